// The guided tour for workshops: steps over the sample workspace that move to a view, point at a part of the page (found
// by role and name, as a screen reader would) and explain it, including each planted incident. Restart from Help.
import { useEffect, useState } from 'react';
import { setView, type ViewId } from '../../state/store';
import { useServices } from '../context';

interface Step {
  view: ViewId;
  /** CSS selector of the element to point at (its accessible name is read out with the step). */
  target: string;
  title: string;
  text: string;
}

export const TOUR_STEPS: Step[] = [
  { view: 'evidence', target: '[aria-label="Evidence files"], .start', title: 'Evidence', text: 'Every file the workspace holds: what it was recognised as (by content, never by name), rows loaded and rejected with reasons, its time range and the SHA-256 of the bytes as received. Open the sample workspace first if the table is empty.' },
  { view: 'findings', target: '[aria-label="Findings summary"]', title: 'The queue', text: 'Analysis ran by itself after the import. Open findings are ranked by a risk score whose formula each finding shows; findings a change window explains stay visible but out of the open queue.' },
  { view: 'findings', target: '[aria-label="Filter findings"]', title: 'Incident a: a CI key used from a stranger\'s laptop', text: 'ci-legacy-deployer (the Jenkins key) calls iam:CreateAccessKey and iam:AttachUserPolicy at 03:00 UTC from 203.0.113.89: behavior.new_action, behavior.new_source and behavior.off_hours (declared 08:00–18:00 Mon–Fri). Type "ci-legacy" in the filter.' },
  { view: 'findings', target: '[aria-label="Filter findings"]', title: 'Incident b: the data-sync job exfiltrates', text: 'svc-data-sync reads 720 objects from finance-payroll-exports at 13:00 and writes 48 to a bucket of another account: volume_spike, scope_expansion, off_hours against its declared 01:00–03:00 window, unapproved_destination.' },
  { view: 'findings', target: '[aria-label="Filter findings"]', title: 'Incidents c and d', text: 'c: the Okta HR Sync app is refused 16 times across 4 event types in 11 minutes (behavior.denied_burst). d: a GitHub token silent for 26 days clones every repository of the org from a new IP (dormant_reactivated, scope_expansion, new_source).' },
  { view: 'inventory', target: 'main', title: 'Incidents e, f, g: inventory against the logs', text: 'e: tmp-migration-user is active but in no register (coverage.shadow_identity). f: svc-legacy-etl\'s owner has left and the job still runs (coverage.owner_departed_active). g: svc-cmdb-scanner, a machine identity, signed in to the console with a browser (coverage.human_use).' },
  { view: 'findings', target: '[aria-label="Findings summary"]', title: 'Look-alikes that are not incidents', text: 'The Stripe webhook bursts every Monday, so its Monday burst is no spike; the nightly backup\'s new lifecycle call falls inside change CHG-2041, so it is explained, not open; the scheduled export runs only inside its declared window.' },
  { view: 'sql', target: 'main', title: 'Every number leads to its evidence', text: 'Open a finding and press "Open in SQL console": its evidence query runs here over the canonical tables (events_v, identities, findings…). Nothing you run leaves this tab.' },
  { view: 'reports', target: 'main', title: 'Hand it off', text: 'Export findings as OCSF JSON or CSV, or produce an HTML incident or inventory hygiene report with framework mapping and the hash of every evidence file.' },
];

export function Tour({ onClose }: { onClose: () => void }) {
  const services = useServices();
  const [index, setIndex] = useState(0);
  const step = TOUR_STEPS[index]!;
  useEffect(() => {
    setView(services.store, step.view);
    window.location.hash = `#/${step.view}`;
    const timer = setTimeout(() => {
      document.querySelectorAll('.tour-target').forEach((el) => el.classList.remove('tour-target'));
      const target = document.querySelector(step.target);
      target?.classList.add('tour-target');
      target?.scrollIntoView?.({ block: 'nearest' });
    }, 50);
    return () => {
      clearTimeout(timer);
      document.querySelectorAll('.tour-target').forEach((el) => el.classList.remove('tour-target'));
    };
  }, [services.store, step]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="tour" role="dialog" aria-modal="false" aria-labelledby="tour-title" aria-describedby="tour-text">
      <p className="note">
        Step {index + 1} of {TOUR_STEPS.length}
      </p>
      <h2 id="tour-title">{step.title}</h2>
      <p id="tour-text">{step.text}</p>
      <div className="toolbar">
        <button type="button" disabled={index === 0} onClick={() => setIndex(index - 1)}>
          Previous step
        </button>
        {index + 1 < TOUR_STEPS.length ? (
          <button type="button" className="primary" onClick={() => setIndex(index + 1)}>
            Next step
          </button>
        ) : (
          <button type="button" className="primary" onClick={onClose}>
            Finish tour
          </button>
        )}
        <button type="button" onClick={onClose}>
          Close tour
        </button>
      </div>
    </div>
  );
}

export function HelpMenu() {
  const [open, setOpen] = useState(false);
  const [touring, setTouring] = useState(false);
  const [dark, setDark] = useState(() => document.documentElement.dataset.theme === 'dark');
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);
  const toggleTheme = () => {
    setDark(!dark);
    try {
      localStorage.setItem('driftline.theme', dark ? 'light' : 'dark');
    } catch {
      // Storage refused (private mode): the choice lasts for this tab.
    }
  };
  return (
    <div className="menu">
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Help
      </button>
      {open && (
        <ul role="menu" aria-label="Help">
          <li role="none">
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false);
                setTouring(true);
              }}
            >
              Start the guided tour
            </button>
          </li>
          <li role="none">
            <button
              type="button"
              role="menuitemcheckbox"
              aria-checked={dark}
              onClick={() => {
                toggleTheme();
                setOpen(false);
              }}
            >
              Dark theme
            </button>
          </li>
        </ul>
      )}
      {touring && <Tour onClose={() => setTouring(false)} />}
    </div>
  );
}
