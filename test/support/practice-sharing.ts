import type { Organization } from '@medplum/fhirtypes';
import { NOTE_SHARING_URL, SHARING_DEFAULT_URL } from '../../server/access/record-sharing.ts';
import { SHARING_CATEGORIES } from '../../server/fhir/record-categories.ts';
import type { SharingCategory } from '../../server/fhir/record-categories.ts';
import type { Repository } from '../../server/storage/repository.ts';

/**
 * Sets a practice's sharing settings on its Organization (server/access/record-sharing.ts) through
 * the unscoped repository: the categories it shares with patients by default (every category when
 * not given) and whether its practitioners may share notes. Tests about other rules use it to make a
 * patient see their compartment's clinical items as before sharing existed.
 */
export async function setPracticeSharing(
  repo: Repository,
  practiceId: string,
  settings: { defaults?: SharingCategory[]; noteSharing?: boolean } = {},
): Promise<void> {
  const practice = await repo.read<Organization>('Organization', practiceId);
  const others = (practice.extension ?? []).filter((e) => e.url !== SHARING_DEFAULT_URL && e.url !== NOTE_SHARING_URL);
  const defaults = (settings.defaults ?? SHARING_CATEGORIES).map((code) => ({
    url: SHARING_DEFAULT_URL,
    valueCode: code,
  }));
  const noteSharing = settings.noteSharing ? [{ url: NOTE_SHARING_URL, valueBoolean: true }] : [];
  await repo.update<Organization>({ ...practice, extension: [...others, ...defaults, ...noteSharing] });
}
