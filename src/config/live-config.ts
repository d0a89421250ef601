/**
 * The configuration of a running Sluice, kept with what produced it: the parsed file and the
 * secret backends (tokens, leases, cached values). `refresh()` substitutes the same file
 * again, asking the backends only about references that are due; `reread()` is SIGHUP's
 * fresh read of the file, keeping the backends when its `secrets:` section is unchanged.
 * Either gives a whole new SluiceConfig that goes through the one reload path.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { SecretBackends } from '../auth/secrets/backends/secret-backends.js';
import { configFromTree, parseConfigTree, type LoadOptions } from './load.js';
import type { SluiceConfig } from './types.js';

export class LiveConfig {
  private constructor(
    private readonly path: string,
    private readonly options: LoadOptions,
    private tree: unknown,
    private backends: SecretBackends,
    /** The last configuration produced. */
    public config: SluiceConfig,
  ) {}

  static async open(path: string, options: LoadOptions = {}): Promise<LiveConfig> {
    const opts = { baseDir: dirname(resolve(path)), ...options };
    const tree = parseConfigTree(await readText(path), path);
    const { config, backends } = await configFromTree(tree, path, opts);
    return new LiveConfig(path, opts, tree, backends, config);
  }

  /** The file again (SIGHUP, POST /v1/reload); throws ConfigError and keeps the current state when it is invalid. */
  async reread(): Promise<SluiceConfig> {
    const tree = parseConfigTree(await readText(this.path), this.path);
    return this.adopt(tree);
  }

  /** The same file with due references read again; throws ConfigError when a backend fails. */
  async refresh(): Promise<SluiceConfig> {
    return this.adopt(this.tree);
  }

  /** When refresh() next has something to ask a backend; Infinity when nothing ever expires. */
  nextRefreshAt(): number {
    return this.backends.schedule.nextRefreshAt();
  }

  /** See SecretBackends.previousValue: the value to try once after a server refused `password`. */
  previousValue(password: string): Promise<string | undefined> {
    return this.backends.previousValue(password);
  }

  close(): void {
    this.backends.close();
  }

  private async adopt(tree: unknown): Promise<SluiceConfig> {
    const { config, backends } = await configFromTree(tree, this.path, this.options, this.backends);
    if (backends !== this.backends) this.backends.close();
    this.tree = tree;
    this.backends = backends;
    this.config = config;
    return config;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${path}: cannot read the configuration file`, [`cannot read the file: ${reason}`]);
  }
}
