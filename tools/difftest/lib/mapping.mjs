// Mapping between the iamforge differential case format (see /work/shared/corpus/README.md and
// tools/difftest/README.md) and the input/output of @cloud-copilot/iam-simulate's runSimulation.
//
// This file has no imports: the caller supplies runSimulation (loaded from tools/difftest/node_modules)
// so the same mapping serves generate.mjs, verify-corpus.mjs and bench/peer/iam_simulate_batch.mjs.
//
// Case field                     -> runSimulation input
//   identityPolicies[i]          -> identityPolicies[i] = {name: `identity-${i}`, policy}
//   permissionsBoundaries[i]     -> permissionBoundaryPolicies[i] = {name: `boundary-${i}`, policy}
//                                   (field absent -> permissionBoundaryPolicies undefined = no boundary)
//   scps[l][j]                   -> serviceControlPolicies[l] = {orgIdentifier: `level-${l}`,
//                                   policies: [{name: `scp-${l}-${j}`, policy}]}, root first
//                                   (field absent -> [] = no SCPs, which iam-simulate treats as Allowed)
//   (none)                       -> resourceControlPolicies = [] (iam-simulate adds RCPFullAWSAccess itself)
//   resourcePolicy               -> resourcePolicy (the document as is; absent -> undefined)
//   request.principal            -> request.principal (the ARN string)
//   request.action               -> request.action
//   request.resource             -> request.resource.resource
//   request.resourceAccount      -> request.resource.accountId
//   request.context              -> request.contextVariables (as is: strings, arrays for multi-valued)
//   options                      -> {simulationMode: 'Strict'}
// Output:
//   expected                     <- result.overallResult
//   simulator.identity           <- analysis.identityAnalysis.result
//   simulator.resourcePolicy     <- analysis.resourceAnalysis.result
//   simulator.boundary           <- analysis.permissionBoundaryAnalysis.result (only with a boundary)
//   simulator.scp                <- analysis.scpAnalysis.result (only with scps)
//   simulator.sameAccount        <- analysis.sameAccount
//   simulator.blockedBy          <- analysis.blockedBy (only when present)

export function caseToSimulation(c) {
  const sim = {
    request: {
      principal: c.request.principal,
      action: c.request.action,
      resource: { resource: c.request.resource, accountId: c.request.resourceAccount },
      contextVariables: c.request.context ?? {},
    },
    identityPolicies: (c.identityPolicies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: (c.scps ?? []).map((level, l) => ({
      orgIdentifier: `level-${l}`,
      policies: level.map((policy, j) => ({ name: `scp-${l}-${j}`, policy })),
    })),
    resourceControlPolicies: [],
  };
  if (c.permissionsBoundaries) {
    sim.permissionBoundaryPolicies = c.permissionsBoundaries.map((policy, i) => ({ name: `boundary-${i}`, policy }));
  }
  if (c.resourcePolicy) sim.resourcePolicy = c.resourcePolicy;
  return sim;
}

export const SIMULATION_OPTIONS = Object.freeze({ simulationMode: 'Strict' });

// The analysis of a 'single' result (request.resource is concrete or '*' for a wildcard-only action).
function analysisOf(result) {
  if (result.resultType === 'single') return result.result.analysis;
  if (result.resultType === 'wildcard' && result.results.length === 1) return result.results[0].analysis;
  return undefined;
}

export function summarize(result, c) {
  if (result.resultType === 'error') {
    return { error: result.errors };
  }
  const a = analysisOf(result);
  const simulator = {};
  if (a) {
    if (a.identityAnalysis) simulator.identity = a.identityAnalysis.result;
    if (a.resourceAnalysis) simulator.resourcePolicy = a.resourceAnalysis.result;
    if (c.permissionsBoundaries && a.permissionBoundaryAnalysis) simulator.boundary = a.permissionBoundaryAnalysis.result;
    if (c.scps && a.scpAnalysis) simulator.scp = a.scpAnalysis.result;
    simulator.sameAccount = a.sameAccount;
    if (a.blockedBy && a.blockedBy.length) simulator.blockedBy = a.blockedBy;
  }
  return { expected: result.overallResult, simulator, ignoredContextKeys: result.result?.ignoredContextKeys ?? [] };
}

export async function simulateCase(runSimulation, c) {
  const result = await runSimulation(caseToSimulation(c), SIMULATION_OPTIONS);
  return summarize(result, c);
}
