import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:soak`: the hostile input suites with more cases, and the long crash loop.
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/hostile/**/*.test.ts', 'test/**/*.soak.test.ts'],
    exclude: [...configDefaults.exclude],
  },
});
