// The promotion policy's verdict, previewed before the click (docs/governance.md); the server decides for real.

const OPERATORS = {
  ">=": (a, b) => a >= b, ">": (a, b) => a > b, "<=": (a, b) => a <= b, "<": (a, b) => a < b,
  "==": (a, b) => a === b, "!=": (a, b) => a !== b,
};

function metricValue(version, key) {
  const entries = (version.model_metrics || []).filter((metric) => metric.key === key);
  entries.sort((a, b) => (a.step || 0) - (b.step || 0) || (a.timestamp || 0) - (b.timestamp || 0));
  return entries.length ? Number(entries[entries.length - 1].value) : undefined;
}

/** [{rule, passed, text}] for `target` ("stage:Production", "alias:champion"); `enteredStages`: from history. */
export function evaluate(policy, target, version, enteredStages) {
  const rules = (policy && policy.rules && policy.rules[target]) || [];
  return rules.map((rule) => {
    if (rule.type === "metric") {
      const value = metricValue(version, rule.key);
      const passed = value !== undefined && OPERATORS[rule.op](value, Number(rule.value));
      return { rule, passed, text: `metric ${rule.key} ${rule.op} ${rule.value} (it is ${value ?? "not logged"})` };
    }
    if (rule.type === "tag") {
      const tag = (version.tags || []).find((candidate) => candidate.key === rule.key);
      const passed = tag !== undefined && (rule.value === undefined || rule.value === null || tag.value === rule.value);
      const wanted = rule.value === undefined || rule.value === null ? "set" : `= ${rule.value}`;
      return { rule, passed, text: `tag ${rule.key} ${wanted} (${tag ? `it is ${tag.value}` : "not set"})` };
    }
    if (rule.type === "description_not_empty") {
      return { rule, passed: Boolean((version.description || "").trim()), text: "description not empty" };
    }
    if (rule.type === "prior_stage") {
      return { rule, passed: enteredStages.has(rule.stage), text: `has been in ${rule.stage} before` };
    }
    return { rule, passed: false, text: `${rule.type} (checked by the server)` };
  });
}
