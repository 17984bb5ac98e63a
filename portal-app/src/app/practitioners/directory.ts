import {
  BCP47_SYSTEM,
  codesOf,
  type CodeableConcept,
  type HumanName,
  languageName,
  type Practitioner,
  type PractitionerRole,
} from '@web-shared/fhir';

/** One practitioner as the directory lists them. */
export interface DirectoryEntry {
  id: string;
  name: string;
  roles: DirectoryRole[];
  /** Languages spoken, by name ("French"); left out when none are listed. */
  languages?: string[];
}

/** What a practitioner does where: "Cardiology" at "Good Health Clinic". */
export interface DirectoryRole {
  title: string;
  organization?: string;
}

/**
 * Joins roles to practitioners in the browser, because the server may not support _include yet.
 * Inactive practitioners and roles are left out: a patient cannot book them. Roles that point to
 * a practitioner not in the list (or to nobody) are dropped, since there is no one to show them under.
 */
export function buildDirectory(practitioners: Practitioner[], roles: PractitionerRole[]): DirectoryEntry[] {
  const byId = new Map<string, { entry: DirectoryEntry; sortKey: string }>();
  for (const practitioner of practitioners) {
    if (!practitioner.id || practitioner.active === false) continue;
    const name = practitioner.name?.find((n) => n.use === 'official') ?? practitioner.name?.[0];
    const languages = codesOf(practitioner.communication, BCP47_SYSTEM).map((code) => languageName(code));
    byId.set(practitioner.id, {
      entry: { id: practitioner.id, name: formatName(name), roles: [], ...(languages.length > 0 ? { languages } : {}) },
      sortKey: sortKey(name),
    });
  }
  for (const role of roles) {
    if (role.active === false) continue;
    const id = practitionerId(role.practitioner?.reference);
    const target = id ? byId.get(id) : undefined;
    if (!target) continue;
    const title = conceptTexts(role.specialty).join(', ') || conceptTexts(role.code).join(', ') || 'Practitioner';
    const organization = role.organization?.display?.trim() || undefined;
    target.entry.roles.push(organization ? { title, organization } : { title });
  }
  return [...byId.values()]
    .sort((a, b) => a.sortKey.localeCompare(b.sortKey) || a.entry.id.localeCompare(b.entry.id))
    .map(({ entry }) => entry);
}

/** True when every word typed appears in the name, ignoring case and accents ("zoe" finds "Zoë"). */
export function matchesName(entry: DirectoryEntry, filter: string): boolean {
  const name = fold(entry.name);
  return fold(filter)
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => name.includes(word));
}

/** "Practitioner/123", a full URL ending in it, or one with /_history/n: all point to id 123. */
export function practitionerId(reference: string | undefined): string | undefined {
  return reference ? /(?:^|\/)Practitioner\/([^/?#]+)(?:\/_history\/[^/]+)?$/.exec(reference)?.[1] : undefined;
}

/** A name as a patient would address the practitioner: "Dr. Jane Q. Doe". */
export function formatName(name: HumanName | undefined): string {
  if (!name) return 'Name not listed';
  const parts = [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? '', ...(name.suffix ?? [])].filter(
    Boolean,
  );
  return parts.length > 0 ? parts.join(' ') : name.text?.trim() || 'Name not listed';
}

function sortKey(name: HumanName | undefined): string {
  return fold([name?.family, ...(name?.given ?? []), name?.text].filter(Boolean).join(' '));
}

export function conceptTexts(concepts: CodeableConcept[] | undefined): string[] {
  return (concepts ?? []).map((c) => c.text || c.coding?.find((x) => x.display)?.display || '').filter(Boolean);
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
