// A Node module-customization hook that lets the MCP conformance CLI start on Node 20.
//
// Why: @modelcontextprotocol/conformance (dist/index.js, minified) opens with
//   import{existsSync as i,globSync as a,mkdtempSync as o,…}from"fs"
// `fs.globSync` arrived in Node 22, so on Node 20 the whole CLI fails at link
// time ("The requested module 'fs' does not provide an export named 'globSync'")
// before any command runs. Only its `tier-check` command calls globSync; the
// commands we use (`server`, `client`, `list`) never do.
//
// What: when the conformance CLI, and only it, imports `fs` (or `node:fs`), this
// hook hands it a module that re-exports all of `node:fs` plus a `globSync` stub
// that throws if called. Every other importer gets the real `fs`. It is
// registered only on a Node without `fs.globSync` (see register-node20-hook.mjs).
// Delete both files once the course requires Node 22.

const CLI = '/node_modules/@modelcontextprotocol/conformance/dist/index.js';

const FS_WITH_GLOB_STUB = `
export * from 'node:fs';
export { default } from 'node:fs';
export function globSync() {
  throw new Error('fs.globSync needs Node 22 or newer: the conformance tier-check command cannot run on Node ' + process.versions.node);
}`;

export function resolve(specifier, context, nextResolve) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL?.endsWith(CLI)) {
    return {
      url: `data:text/javascript,${encodeURIComponent(FS_WITH_GLOB_STUB)}`,
      shortCircuit: true,
    };
  }
  return nextResolve(specifier, context);
}
