import { log } from '../lib/logger';
import { llmCooldowns, llmDeploymentCooldown } from './metrics';
import { deploymentLabel } from './model-config';
import type { Deployment } from './types';

interface State {
  failures: number;
  /** While set, the deployment is cooling down until this time. */
  openUntil?: number;
  /** Half-open: one probe request is in flight; others keep away until it settles. */
  probing: boolean;
}

/**
 * A circuit breaker per deployment: closed → open after `threshold` consecutive failures → after
 * `cooldownMs`, half-open lets a single probe through → closed on success, open again on failure.
 */
export class DeploymentHealth {
  private readonly states = new Map<string, State>();

  constructor(private readonly opts: { threshold: number; cooldownMs: number; now: () => number }) {}

  private state(d: Deployment): State {
    const key = deploymentLabel(d);
    let s = this.states.get(key);
    if (!s) this.states.set(key, (s = { failures: 0, probing: false }));
    return s;
  }

  /** Whether a request may use the deployment now; claims the probe slot when half-open. */
  tryAcquire(d: Deployment): boolean {
    const s = this.state(d);
    if (s.openUntil === undefined) return true;
    if (s.probing || this.opts.now() < s.openUntil) return false;
    s.probing = true;
    return true;
  }

  /** Hands back a probe slot whose request ended without telling us anything about the deployment. */
  release(d: Deployment): void {
    this.state(d).probing = false;
  }

  success(d: Deployment): void {
    const s = this.state(d);
    if (s.openUntil !== undefined) {
      log.info('deployment recovered', { provider: d.provider, model: d.model });
      llmDeploymentCooldown.set({ provider: d.provider, model: d.model }, 0);
    }
    s.failures = 0;
    s.openUntil = undefined;
    s.probing = false;
  }

  failure(d: Deployment): void {
    const s = this.state(d);
    s.failures++;
    if (s.probing || s.failures >= this.opts.threshold) this.open(d, s);
  }

  /** Opens the breaker at once: for failures that retrying cannot fix, such as a rejected key. */
  trip(d: Deployment): void {
    const s = this.state(d);
    s.failures = Math.max(s.failures, this.opts.threshold);
    this.open(d, s);
  }

  /** Forgets what is known about these providers' deployments: their upstream was replaced. */
  forget(providers: readonly string[]): void {
    for (const [label, s] of this.states) {
      const provider = providers.find((p) => label.startsWith(`${p}/`));
      if (provider === undefined) continue;
      if (s.openUntil !== undefined) llmDeploymentCooldown.set({ provider, model: label.slice(provider.length + 1) }, 0);
      this.states.delete(label);
    }
  }

  isCoolingDown(d: Deployment): boolean {
    return this.state(d).openUntil !== undefined;
  }

  private open(d: Deployment, s: State): void {
    s.openUntil = this.opts.now() + this.opts.cooldownMs;
    s.probing = false;
    llmCooldowns.inc({ provider: d.provider, model: d.model });
    llmDeploymentCooldown.set({ provider: d.provider, model: d.model }, 1);
    log.warn('deployment cooling down', { provider: d.provider, model: d.model, cooldownMs: this.opts.cooldownMs });
  }
}
