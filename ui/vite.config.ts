import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The dev server port is fixed because tauri.conf.json's devUrl points at it.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: 'es2022', chunkSizeWarningLimit: 1500 },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    include: ['src/**/*.test.{ts,tsx}'],
    // Shared 2-core machines: a user-event-heavy test can take several seconds.
    testTimeout: 20_000,
  },
});
