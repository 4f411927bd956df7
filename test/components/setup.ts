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

// jsdom's Range cannot measure either; CodeMirror measures text from an animation frame. Nothing is laid out, so
// empty rectangles are the truthful answer.
if (typeof Range !== 'undefined' && typeof Range.prototype.getClientRects !== 'function') {
  const empty = { x: 0, y: 0, width: 0, height: 0, top: 0, left: 0, right: 0, bottom: 0, toJSON: () => ({}) };
  Range.prototype.getClientRects = () => Object.assign([], { item: () => null }) as unknown as DOMRectList;
  Range.prototype.getBoundingClientRect = () => empty as DOMRect;
}

afterEach(() => {
  cleanup();
  window.location.hash = '';
});
