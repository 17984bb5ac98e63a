/*
 * The two marks of the server's index that the trail's events carry, as the modules that own them
 * define them (access/access-index.ts OWNER_SYSTEM, fhir/search/compartment-index.ts
 * COMPARTMENT_PARAM). Copied, not imported: the SQLite append thread builds AuditEvents and their
 * rows (audit-entries.ts) and importing those modules would load FHIRPath and the FHIR definitions
 * there (~18 MB and ~60 ms per thread) for two strings. audit-entries.test.ts holds them equal.
 */

/** access-index.ts OWNER_SYSTEM: the owner tag's system (which practices' staff may read the event). */
export const OWNER_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice';

/** compartment-index.ts COMPARTMENT_PARAM: the rows naming the patient compartments a resource is in. */
export const COMPARTMENT_PARAM = '_compartment';
