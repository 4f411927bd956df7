// behavior.*: the detection window against each identity's own baseline (the detection plane).
import type { DetectionDefinition } from '../types';
import newAction from './sql/behavior.new_action.sql?raw';

export const BEHAVIOR: DetectionDefinition[] = [
  {
    id: 'behavior.new_action',
    family: 'behavior',
    title: 'New action',
    description: 'The identity performed an action (API call or event type) that never appears in its baseline.',
    severity: 'medium',
    params: [],
    owasp: [],
    nist: ['DE.CM-03'],
    usesBaseline: true,
    evidence: 'action = {subject}',
    sql: newAction,
  },
];
