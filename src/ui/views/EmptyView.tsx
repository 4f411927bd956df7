// The views whose content comes from analysis: until evidence is analysed they say what will appear and why not yet.
import type { ViewId } from '../../state/store';
import { VIEW_LABELS } from '../../state/store';

const PURPOSE: Record<Exclude<ViewId, 'evidence' | 'sql' | 'findings' | 'settings'>, string> = {
  identities: 'Every non-human identity, from the inventory and from the logs, with its activity against its own baseline.',
  inventory: 'The register of identities with their posture findings, and what the logs show that the inventory does not.',
  reports: 'Incident and inventory hygiene reports, and findings exported as OCSF JSON or CSV.',
};

export function EmptyView({ view }: { view: Exclude<ViewId, 'evidence' | 'sql' | 'findings' | 'settings'> }) {
  return (
    <section aria-labelledby={`${view}-title`}>
      <h2 id={`${view}-title`}>{VIEW_LABELS[view]}</h2>
      <p className="empty">{PURPOSE[view]}</p>
      <p className="empty">Nothing to show yet: add evidence files first.</p>
    </section>
  );
}
