// The settings the connected engine knows, read once at connect from system.settings. A caller's
// setting the engine does not know (a newer name on an older server) is dropped with one warning
// per name instead of failing the query with UNKNOWN_SETTING.
import type { Logger } from '../../runtime/logger/index.ts';
import type { QuerySettings } from '../types.ts';

export const SETTING_NAMES_SQL = 'SELECT name FROM system.settings';

// Setting names become part of SQL text (embedded SET) or URL keys (server): allow only names.
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class KnownSettings {
  readonly #names: ReadonlySet<string>;
  readonly #warned = new Set<string>();
  readonly #logger: Logger;
  readonly #engine: string;

  constructor(names: Iterable<string>, logger: Logger, engine: string) {
    this.#names = new Set(names);
    this.#logger = logger;
    this.#engine = engine;
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** Only the settings this engine knows; each unknown name is logged once, then dropped silently. */
  filter(settings: QuerySettings | undefined): Record<string, string | number | boolean> {
    const kept: Record<string, string | number | boolean> = {};
    for (const [name, value] of Object.entries(settings ?? {})) {
      if (SETTING_NAME.test(name) && this.#names.has(name)) {
        kept[name] = value;
      } else if (!this.#warned.has(name)) {
        this.#warned.add(name);
        this.#logger.warn(
          { setting: name, engine: this.#engine },
          'ClickHouse setting not known by this engine; dropping it',
        );
      }
    }
    return kept;
  }
}
