import type { Request, Response } from 'express';
import type { ServedInteraction } from '../operations/capability-statement.ts';
import { CLINICAL_TYPES } from '../record-categories.ts';
import type { FhirContext } from './fhir-context.ts';
import { createBinary, forBinary, readBinary, updateBinary, vreadBinary } from './binary-interactions.ts';
import { history } from './history-interactions.ts';
import { decide, everything, invite, share, updateProfile, validate } from './operation-interactions.ts';
import { batchOrTransaction } from './system-interactions.ts';
import { patch, read, remove, update, vread } from './instance-interactions.ts';
import { conditionalDelete, conditionalUpdate, create, search } from './type-interactions.ts';

/**
 * The table of everything the FHIR endpoint does. The router is built from it and so is the
 * CapabilityStatement (from SERVED, the plain list derived below), so /metadata can never claim an
 * interaction that is not routed.
 */
export interface Route extends ServedInteraction {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  /** The CapabilityStatement interaction code(s) (`interaction`), or the name of a `$` operation (`operation`). */
  handler: (ctx: FhirContext) => (req: Request, res: Response) => Promise<void>;
}

/**
 * The types `$share`/`$unshare` serve: the clinical content patients see only when shared
 * (fhir/record-categories.ts, the table the access layer checks again in access/record-sharing.ts).
 */
const SHAREABLE_TYPES = [...CLINICAL_TYPES];

export const ROUTES: Route[] = [
  { method: 'post', path: '/', level: 'system', interaction: ['batch', 'transaction'], handler: batchOrTransaction },
  {
    method: 'get',
    path: '/_history',
    level: 'system',
    interaction: 'history-system',
    handler: (ctx) => history(ctx, 'system'),
  },
  {
    method: 'get',
    path: '/:type/_history',
    level: 'type',
    interaction: 'history-type',
    handler: (ctx) => history(ctx, 'type'),
  },
  { method: 'post', path: '/:type/_search', level: 'type', interaction: 'search-type', handler: search },
  {
    method: 'post',
    path: '/:type/\\$validate',
    level: 'type',
    operation: 'validate',
    handler: (ctx) => validate(ctx, 'type'),
  },
  { method: 'get', path: '/:type', level: 'type', interaction: 'search-type', handler: search },
  { method: 'post', path: '/:type', level: 'type', interaction: 'create', handler: forBinary(createBinary, create) },
  { method: 'put', path: '/:type', level: 'type', interaction: 'update', handler: conditionalUpdate },
  { method: 'delete', path: '/:type', level: 'type', interaction: 'delete', handler: conditionalDelete },
  {
    method: 'get',
    path: '/:type/:id/_history',
    level: 'instance',
    interaction: 'history-instance',
    handler: (ctx) => history(ctx, 'instance'),
  },
  {
    method: 'get',
    path: '/:type/:id/_history/:vid',
    level: 'instance',
    interaction: 'vread',
    handler: forBinary(vreadBinary, vread),
  },
  {
    method: 'post',
    path: '/:type/:id/\\$validate',
    level: 'instance',
    operation: 'validate',
    handler: (ctx) => validate(ctx, 'instance'),
  },
  {
    method: 'get',
    path: '/:type/:id/\\$validate',
    level: 'instance',
    operation: 'validate',
    handler: (ctx) => validate(ctx, 'instance'),
  },
  {
    method: 'get',
    path: '/:type/:id/\\$everything',
    level: 'instance',
    operation: 'everything',
    types: ['Patient'],
    handler: everything,
  },
  {
    method: 'post',
    path: '/:type/:id/\\$everything',
    level: 'instance',
    operation: 'everything',
    types: ['Patient'],
    handler: everything,
  },
  {
    method: 'post',
    path: '/:type/:id/\\$share',
    level: 'instance',
    operation: 'share',
    types: SHAREABLE_TYPES,
    handler: (ctx) => share(ctx, true),
  },
  {
    method: 'post',
    path: '/:type/:id/\\$unshare',
    level: 'instance',
    operation: 'unshare',
    types: SHAREABLE_TYPES,
    handler: (ctx) => share(ctx, false),
  },
  {
    method: 'post',
    path: '/:type/:id/\\$decide',
    level: 'instance',
    operation: 'decide',
    types: ['Task'],
    handler: decide,
  },
  {
    method: 'post',
    path: '/:type/:id/\\$invite',
    level: 'instance',
    operation: 'invite',
    types: ['Patient'],
    handler: (ctx) => invite(ctx, false),
  },
  {
    method: 'post',
    path: '/:type/:id/\\$uninvite',
    level: 'instance',
    operation: 'uninvite',
    types: ['Patient'],
    handler: (ctx) => invite(ctx, true),
  },
  {
    method: 'post',
    path: '/:type/:id/\\$update-profile',
    level: 'instance',
    operation: 'update-profile',
    types: ['Person'],
    handler: updateProfile,
  },
  { method: 'get', path: '/:type/:id', level: 'instance', interaction: 'read', handler: forBinary(readBinary, read) },
  {
    method: 'put',
    path: '/:type/:id',
    level: 'instance',
    interaction: 'update',
    handler: forBinary(updateBinary, update),
  },
  { method: 'patch', path: '/:type/:id', level: 'instance', interaction: 'patch', handler: patch },
  { method: 'delete', path: '/:type/:id', level: 'instance', interaction: 'delete', handler: remove },
];

/** What the routes serve, without their HTTP side: the input of buildCapabilityStatement. */
export const SERVED: ServedInteraction[] = ROUTES.map(({ level, interaction, operation, types }) => ({
  level,
  ...(interaction === undefined ? {} : { interaction }),
  ...(operation === undefined ? {} : { operation }),
  ...(types === undefined ? {} : { types }),
}));
