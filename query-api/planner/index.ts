// The planner: decides, per question, whether a rollup answers it exactly (grain, dimensions and
// UTC alignment fit), the raw table must, or (for dimensions) whole UTC days come from the rollup
// and the edges from the raw table; and it holds the allow-list of dimensions. It must never pick
// a rollup that would change an answer: rollup and raw give the same numbers by design.
export {
  DIMENSION_NAMES,
  type Dimension,
  type DimensionName,
  type DimensionSpec,
  dimensionLabel,
  dimensionParams,
  dimensionSpec,
  MAX_METADATA_KEY_LENGTH,
  MAX_METADATA_PATH_SEGMENTS,
} from './dimensions.ts';
export {
  type DaySplit,
  type DimensionPlan,
  describePlan,
  type Grain,
  type Plan,
  planDimensions,
  planEventCounts,
  planMetricSeries,
  planSessions,
  planTotals,
  type SessionPlan,
  type SourcePreference,
} from './plan.ts';
