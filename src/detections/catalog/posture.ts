// posture.*: findings from the inventory alone (the control plane).
import type { DetectionDefinition } from '../types';
import noOwner from './sql/posture.no_owner.sql?raw';

export const POSTURE: DetectionDefinition[] = [
  {
    id: 'posture.no_owner',
    family: 'posture',
    title: 'No accountable owner',
    description: 'The inventory records no owner for this identity, so nobody is accountable for its access, rotation or retirement.',
    severity: 'medium',
    params: [],
    owasp: ['NHI1'],
    nist: ['ID.AM-08', 'PR.AA-01'],
    usesBaseline: false,
    evidence: null,
    sql: noOwner,
  },
];
