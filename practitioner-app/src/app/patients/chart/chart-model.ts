import type {
  ContactPoint,
  DocumentReference,
  HumanName,
  Meta,
  Observation,
  Organization,
  Patient,
} from '@web-shared/fhir';
import {
  type Audience,
  CONFIDENTIALITY_SYSTEM,
  NOTE_SHARING_URL,
  OWNER_SYSTEM,
  SHARING_DEFAULT_URL,
  SHARING_SYSTEM,
} from './chart-types';

/** True when the item carries the sharing mark for that audience (the server's only source of truth). */
export function isShared(item: { meta?: Meta }, audience: Audience): boolean {
  return (item.meta?.tag ?? []).some((t) => t.system === SHARING_SYSTEM && t.code === audience);
}

/** The id of the practice that owns the patient's record (its owning-practice tag), if any. */
export function owningPractice(patient: Patient): string | undefined {
  return patient.meta?.tag?.find((t) => t.system === OWNER_SYSTEM && t.code)?.code;
}

/** The practice's note-sharing setting; absent means off (as the server reads it). */
export function noteSharingEnabled(practice: Organization): boolean {
  return practice.extension?.some((e) => e.url === NOTE_SHARING_URL && e.valueBoolean === true) ?? false;
}

/** The categories (notes, results, …) the practice shares with patients by default. */
export function sharingDefaults(practice: Organization): string[] {
  return (practice.extension ?? [])
    .filter((e) => e.url === SHARING_DEFAULT_URL && e.valueCode)
    .map((e) => e.valueCode!);
}

/**
 * True when the patient sees the item through the practice's default for its category although it
 * carries no mark: the server applies a default to everything but restricted items (R, V).
 */
export function sharedByDefault(item: { meta?: Meta }, categoryShared: boolean): boolean {
  if (!categoryShared || isShared(item, 'patient')) return false;
  return !(item.meta?.security ?? []).some(
    (s) => s.system === CONFIDENTIALITY_SYSTEM && (s.code === 'R' || s.code === 'V'),
  );
}

/**
 * Whole years since a birth date (YYYY, YYYY-MM or YYYY-MM-DD) on `today`, in the user's calendar;
 * undefined for no or a malformed date. A birthday later this year has not happened yet.
 */
export function ageInYears(birthDate: string | undefined, today: Date = new Date()): number | undefined {
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(birthDate ?? '');
  if (!match) return undefined;
  const [year, month = 1, day = 1] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
  let age = today.getFullYear() - year!;
  const beforeBirthday = today.getMonth() + 1 < month! || (today.getMonth() + 1 === month && today.getDate() < day!);
  if (beforeBirthday) age--;
  return age >= 0 ? age : undefined;
}

/**
 * A FHIR date or dateTime in the user's format and timezone ("3 Nov 2026, 10:15"). A date without
 * a time has no timezone: it is shown as written, never moved a day by the offset.
 */
export function formatFhirDate(value: string | undefined, locale?: string): string {
  if (!value) return '';
  if (/^\d{4}(-\d{2}){0,2}$/.test(value)) {
    if (value.length < 10) return value;
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(`${value}T00:00:00Z`),
    );
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A name as people say it: "Given Family", else its text. */
export function spokenName(name: HumanName | undefined): string {
  if (!name) return '';
  return [...(name.given ?? []), name.family].filter(Boolean).join(' ') || name.text || '';
}

/** "mobile phone: 0400 000 000". */
export function contactPointText(point: ContactPoint): string {
  const kind = [point.use, point.system].filter(Boolean).join(' ');
  return kind ? `${kind}: ${point.value ?? ''}` : (point.value ?? '');
}

/** The note's text: its first text/plain attachment, decoded as UTF-8. */
export function noteText(note: DocumentReference): string {
  const attachment = note.content?.find((c) =>
    (c.attachment.contentType ?? 'text/plain').startsWith('text/plain'),
  )?.attachment;
  if (!attachment?.data) return '';
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(attachment.data), (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

/** UTF-8 text as base64, the form of an attachment's `data`. */
export function encodeText(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A note's text replaced, as a new resource (the rest kept for the PUT). */
export function withNoteText(note: DocumentReference, text: string): DocumentReference {
  return { ...note, content: [{ attachment: { contentType: 'text/plain', data: encodeText(text) } }] };
}

/** An observation's name: code.text, else the first coding's display, else its code. */
export function observationName(observation: Observation): string {
  const code = observation.code;
  return code?.text || code?.coding?.find((c) => c.display)?.display || code?.coding?.[0]?.code || 'Unnamed result';
}

/** An observation's value as read: "64.2 kg", a string, a coded value, yes/no. */
export function observationValue(observation: Observation): string {
  const quantity = observation.valueQuantity;
  if (quantity?.value !== undefined)
    return [quantity.value, quantity.unit ?? quantity.code].filter((p) => p !== undefined && p !== '').join(' ');
  if (observation.valueString) return observation.valueString;
  if (observation.valueCodeableConcept) {
    const c = observation.valueCodeableConcept;
    return c.text || c.coding?.find((x) => x.display)?.display || c.coding?.[0]?.code || '';
  }
  if (observation.valueBoolean !== undefined) return observation.valueBoolean ? 'Yes' : 'No';
  if (observation.valueInteger !== undefined) return String(observation.valueInteger);
  return '';
}

/** When a result was taken (effective), else when it was issued. */
export function observationDate(observation: Observation): string | undefined {
  return observation.effectiveDateTime ?? observation.issued;
}
