/** Layer rules from the architecture notes, checked on every `npm test`. */
module.exports = {
  forbidden: [
    {
      name: 'pure-pki',
      comment: 'Certificate logic stays pure: no HTTP, storage, services or config.',
      severity: 'error',
      from: { path: '^src/pki/' },
      to: { path: '^src/(http|storage|services|config|cli|app|deps|server)', pathNot: '^src/storage/types\\.ts$' },
    },
    {
      name: 'pure-auth',
      comment: 'Authentication logic does not reach into HTTP, storage backends or the CLI.',
      severity: 'error',
      from: { path: '^src/auth/' },
      to: { path: '^src/(http|storage/sqlite|cli|app|deps)' },
    },
    {
      name: 'pure-audit',
      comment: 'Audit formatting and hashing stay pure: no HTTP, storage, services or config.',
      severity: 'error',
      from: { path: '^src/audit/' },
      to: { path: '^src/(http|storage|services|config|cli|app|deps)' },
    },
    {
      name: 'core-is-leaf',
      comment: 'core/ depends on nothing else of ours.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'services-below-http',
      comment: 'Services never know about HTTP or the CLI, and never pick a storage backend.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(http|cli|app|storage/sqlite|storage/postgres)' },
    },
    {
      name: 'only-deps-picks-a-backend',
      comment: 'Only the composition root imports a storage backend.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(deps\\.ts|storage/)' },
      to: { path: '^src/storage/(sqlite|postgres)/' },
    },
    {
      name: 'http-uses-services-not-storage',
      comment: 'Routes call services; they do not touch storage.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/storage/(?!types\\.ts$)' },
    },
    {
      name: 'agent-is-a-client',
      comment: 'The renewal agent talks to the server over HTTP only: it may use pure pki/ and core/, nothing of the server.',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/(http|services|storage|auth|audit|config|cli|app|deps|server)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
