// The whole detection catalogue, in a stable order (family, then id).
import type { DetectionDefinition } from '../types';
import { BEHAVIOR } from './behavior';
import { COVERAGE } from './coverage';
import { POSTURE } from './posture';

export const CATALOGUE: readonly DetectionDefinition[] = [...POSTURE, ...COVERAGE, ...BEHAVIOR];

export function detectionById(id: string): DetectionDefinition | undefined {
  return CATALOGUE.find((d) => d.id === id);
}
