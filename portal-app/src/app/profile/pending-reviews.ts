import type { Task, TaskPart } from './profile-types';
import { fieldWords, type PracticeRecord } from './update-profile';

/**
 * The patient's `patient-update` proposals (decision 0028) as the page lists them: per practice, each
 * proposed field with its status: waiting until the practice decides, then accepted or rejected (the
 * Task's outputs, one per field).
 */

export const PROPOSAL_CODE = 'https://patient-portal.example.org/fhir/CodeSystem/portal-task|patient-update';
const FIELD_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/patient-update-field';
const BASE_VERSION = 'base-version';

export type FieldStatus = 'waiting' | 'accepted' | 'rejected';

export interface ReviewRow {
  taskId: string;
  practiceName: string;
  authoredOn: string | undefined;
  fields: { field: string; label: string; status: FieldStatus }[];
}

function fieldCode(part: TaskPart): string | undefined {
  return part.type?.coding?.find((c) => c.system === FIELD_SYSTEM)?.code;
}

export function reviewRows(tasks: Task[], records: PracticeRecord[]): ReviewRow[] {
  return tasks
    .map((task) => {
      const patientId = /^Patient\/([^/]+)$/.exec(task.for?.reference ?? '')?.[1];
      const practiceName = records.find((r) => r.patientId === patientId)?.practiceName ?? 'Your practice';
      const decided = new Map<string, string | undefined>(
        (task.output ?? []).flatMap((o) => {
          const code = fieldCode(o);
          return code ? [[code, o.valueCode] as [string, string | undefined]] : [];
        }),
      );
      const fields = (task.input ?? []).flatMap((input) => {
        const field = fieldCode(input);
        if (!field || field === BASE_VERSION) return [];
        const decision = decided.get(field);
        // A closed Task with no output for a field did not take it.
        const status: FieldStatus =
          decision === 'accepted' || decision === 'rejected'
            ? decision
            : task.status === 'rejected' || task.status === 'cancelled'
              ? 'rejected'
              : 'waiting';
        return [{ field, label: capitalise(fieldWords(field)), status }];
      });
      return { taskId: task.id ?? '', practiceName, authoredOn: task.authoredOn, fields };
    })
    .filter((row) => row.fields.length > 0)
    .sort((a, b) => (b.authoredOn ?? '').localeCompare(a.authoredOn ?? ''));
}

export const STATUS_WORDS: Record<FieldStatus, string> = {
  waiting: 'Waiting for your practice',
  accepted: 'Accepted',
  rejected: 'Rejected',
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
