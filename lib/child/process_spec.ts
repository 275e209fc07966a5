// How a Process is described to a child that cannot inherit it (forkserver,
// spawn) and rebuilt there: the target or subclass by import reference, its
// own fields, args and kwargs through lib/reduction.ts, and its identity.
import type { ProcessIdentity } from '../internal/current_process';
import { importExport, locateExport, mainModulePath, type FunctionRef } from '../internal/function_ref';
import { identityForChild, kContextClass, kState, type BaseProcess } from '../process';
import { Process } from '../context';
import { CodedError } from '../errors';
import { channels, dumpFrame, loadFrame } from '../reduction';

export interface ChildSpec {
  identity: ProcessIdentity;
  mainPath: string | null;
  target: FunctionRef | null;
  subclass: FunctionRef | null;
  /** { args, kwargs, fields }, dumped on the processArgs channel (its fds travel with the spec) */
  payload: Buffer;
}

export function describeForChild(proc: BaseProcess): { bytes: Buffer; fds: number[]; refs: FunctionRef[] } {
  const state = proc[kState];
  const target = state.target ? locateExport(state.target, 'target') : null;
  const isUserSubclass = !Object.prototype.hasOwnProperty.call(proc.constructor, kContextClass);
  const subclass = isUserSubclass ? locateExport(proc.constructor, 'Process subclass') : null;
  const fields = subclass ? { ...proc } : {};
  const { bytes, fds } = dumpFrame({ args: state.args, kwargs: state.kwargs, fields }, channels.processArgs);
  const spec: ChildSpec = {
    identity: identityForChild(proc),
    mainPath: mainModulePath(),
    target,
    subclass,
    payload: bytes,
  };
  return {
    bytes: dumpFrame(spec, channels.control).bytes,
    fds,
    refs: [target, subclass].filter((r): r is FunctionRef => r !== null),
  };
}

/**
 * The description a parent wrote (through the forkserver or a spawn channel),
 * checked field by field: bytes of any other shape are refused with
 * ERR_INVALID_MESSAGE naming the field, never taken apart further.
 */
export function readSpec(bytes: Uint8Array): ChildSpec {
  const spec = loadFrame(bytes) as Partial<ChildSpec> | null;
  const problem = specProblem(spec);
  if (problem !== null)
    throw new CodedError('ERR_INVALID_MESSAGE', `a process description from the parent is malformed: ${problem}`);
  return spec as ChildSpec;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringOrNull = (value: unknown): boolean => value === null || typeof value === 'string';
const isPidOrNull = (value: unknown): boolean => value === null || (Number.isInteger(value) && (value as number) > 0);

function specProblem(spec: unknown): string | null {
  if (!isObject(spec)) return 'it is not an object';
  const { identity } = spec;
  if (!isObject(identity)) return 'identity is not an object';
  if (typeof identity.name !== 'string') return 'identity.name is not a string';
  if (!Array.isArray(identity.identity) || !identity.identity.every((n) => Number.isInteger(n) && n > 0))
    return 'identity.identity is not a list of positive integers';
  if (typeof identity.daemon !== 'boolean') return 'identity.daemon is not a boolean';
  if (!(identity.authkey instanceof Uint8Array)) return 'identity.authkey is not bytes';
  if (!isPidOrNull(identity.parentPid)) return 'identity.parentPid is not a pid';
  if (!isStringOrNull(identity.parentName)) return 'identity.parentName is not a string';
  if (!isStringOrNull(spec.mainPath)) return 'mainPath is not a string';
  for (const key of ['target', 'subclass'] as const) {
    const ref = spec[key];
    if (ref === null) continue;
    if (!isObject(ref) || typeof ref.moduleUrl !== 'string' || typeof ref.source !== 'string')
      return `${key} is not a function reference`;
    if (!isStringOrNull(ref.exportName) || !isStringOrNull(ref.definedAt) || typeof ref.guessed !== 'boolean')
      return `${key} is not a function reference`;
  }
  if (!(spec.payload instanceof Uint8Array)) return 'payload is not bytes';
  return null;
}

export interface SpecFunctions {
  target: Function | null;
  subclass: Function | null;
}

/** Imports what the spec refers to; throws ERR_NOT_IMPORTABLE if something is missing. */
export async function importSpecFunctions(spec: ChildSpec): Promise<SpecFunctions> {
  return {
    target: spec.target ? await importExport(spec.target, 'target') : null,
    subclass: spec.subclass ? await importExport(spec.subclass, 'Process subclass') : null,
  };
}

/** Builds the child's Process object (the subclass, with its fields) from the spec. */
export function instantiate(spec: ChildSpec, fns: SpecFunctions, fds: number[]): Process {
  const { args, kwargs, fields } = loadFrame(spec.payload, fds) as {
    args: unknown[];
    kwargs: Record<string, unknown> | null;
    fields: Record<string, unknown>;
  };
  const proto = (fns.subclass ?? Process).prototype as Process;
  const proc = Object.create(proto) as Process;
  Object.assign(proc, fields);
  Object.defineProperty(proc, kState, {
    enumerable: false,
    writable: true,
    value: {
      target: fns.target as ((...a: unknown[]) => unknown) | null,
      args,
      kwargs,
      name: spec.identity.name,
      daemon: spec.identity.daemon,
      identity: spec.identity.identity,
      parentPid: spec.identity.parentPid ?? 0,
      popen: null,
      exitcode: null,
      closed: false,
      isSelf: true,
    },
  });
  return proc;
}
