// Unit tests: engine and SQL in Node against real DuckDB-WASM; components in jsdom with Testing Library.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'node', environment: 'node', include: ['test/node/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'components',
          environment: 'jsdom',
          include: ['test/components/**/*.test.tsx', 'test/components/**/*.test.ts'],
          setupFiles: ['test/components/setup.ts'],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
