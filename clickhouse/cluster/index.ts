// Cluster rendering: turns the single-node migrations into ON CLUSTER DDL with Replicated
// engines, `<table>_local` tables and Distributed tables under the original names, so the rest
// of the code never knows which deployment it talks to. It must never change what a migration
// means on a single node: the embedded engine and single servers run the files as written.
export {
  ClusterRenderError,
  DEFAULT_REPLICA_NAME,
  DEFAULT_SHARDING_KEYS,
  DEFAULT_ZOOKEEPER_PATH,
  LOCAL_SUFFIX,
  onCluster,
  type RenderForClusterOptions,
  renderForCluster,
} from './render-for-cluster.ts';
