// Component-test setup: unmount between tests (vitest runs without globals, so Testing Library cannot do it itself).
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// jsdom does no layout: every element measures 0×0, so a virtualised list would show no rows. Give elements the size of
// a laptop viewport so virtualisation renders the window a user would see.
Object.defineProperties(HTMLElement.prototype, {
  offsetHeight: { configurable: true, get: () => 600 },
  offsetWidth: { configurable: true, get: () => 1000 },
  clientHeight: { configurable: true, get: () => 600 },
  clientWidth: { configurable: true, get: () => 1000 },
});

afterEach(() => {
  cleanup();
  window.location.hash = '';
});
