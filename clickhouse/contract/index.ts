// What both ClickHouse adapters must agree on: the helpers they share to honour the interface
// (error mapping, known-settings filtering, identifier checks, JSONEachRow rows). The contract
// test suite proving it lives beside them in contract.ts; import that from tests only, never here.
export { engineError, messageOf, parseEngineError } from './error-mapping.ts';
export { KnownSettings, SETTING_NAMES_SQL } from './known-settings.ts';
export {
  databaseName,
  formatName,
  parseJsonEachRow,
  tableName,
  toJsonEachRow,
  withoutTrailingSemicolon,
} from './sql-text.ts';
