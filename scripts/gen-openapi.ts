import { writeFileSync } from 'node:fs';
import { generateOpenApiDocument, serializeOpenApi } from '../src/http/openapi-document.js';

const target = new URL('../openapi/openapi.json', import.meta.url);
writeFileSync(target, serializeOpenApi(await generateOpenApiDocument()));
process.stdout.write(`wrote ${target.pathname}\n`);
