import { parseScope } from './scopes.ts';
import type { ResourceScope } from '../../access/principal.ts';

/** What a scope lets an app do, in plain words, for the consent page. */

const FIXED: Record<string, string> = {
  openid: 'Know that it is you who signed in',
  fhirUser: 'See which person record in this system is yours',
  profile: 'See your name',
  launch: 'Receive the patient (and visit) chosen in the record system when it was opened',
  'launch/patient': 'Know which patient you picked',
  'launch/encounter': 'Know which visit you picked',
  offline_access: 'Stay connected after you close it, until you withdraw access',
  online_access: 'Stay connected while you remain signed in',
};

const VERBS: Record<string, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

export function describeScope(token: string): string {
  const fixed = FIXED[token];
  if (fixed) return fixed;
  return describeResourceScope(parseScope(token)!);
}

function describeResourceScope(scope: ResourceScope): string {
  const verbs = scope.interactions.map((i) => VERBS[i]!);
  const action = verbs.length > 1 ? `${verbs.slice(0, -1).join(', ')} and ${verbs.at(-1)}` : verbs[0]!;
  const what = scope.resourceType === '*' ? 'all kinds of health records' : `${splitWords(scope.resourceType)} records`;
  const whose =
    scope.context === 'patient'
      ? 'of the selected patient'
      : scope.context === 'user'
        ? 'that you have access to'
        : 'of the practice';
  const filter = scope.query ? ` (only those matching ${scope.query})` : '';
  return `${capitalize(action)} ${what} ${whose}${filter}`;
}

function splitWords(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1 $2');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
