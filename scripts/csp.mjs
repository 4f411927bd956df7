// The Content-Security-Policy of the built app, shared by the build (meta tag) and the static server (header).
// Only the page's own origin; blob: and data: for in-memory files; 'wasm-unsafe-eval' so DuckDB's wasm can compile.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-src 'none'",
  "manifest-src 'self'",
].join('; ');
