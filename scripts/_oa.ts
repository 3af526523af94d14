import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { searchParamsSchema, searchBodySchema, articlesBodySchema } from '../src/server/schemas.js';
const app = new OpenAPIHono();
app.openapi(createRoute({ method: 'get', path: '/search', request: { query: searchParamsSchema }, responses: { 200: { description: 'ok' } } }), (c) => c.json({}));
app.openapi(createRoute({ method: 'post', path: '/search', request: { body: { required: true, content: { 'application/json': { schema: searchBodySchema } } } }, responses: { 200: { description: 'ok' } } }), (c) => c.json({}));
app.openapi(createRoute({ method: 'post', path: '/articles', request: { body: { required: true, content: { 'application/json': { schema: articlesBodySchema } } } }, responses: { 200: { description: 'ok' } } }), (c) => c.json({}));
console.log(JSON.stringify(app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'x', version: '1' } }), null, 1).slice(0, 4000));
