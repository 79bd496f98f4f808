// The console in a real browser (Debian chromium via playwright-core) against the control plane
// and the query API served over HTTP, as an owner uses it: sign up and see both keys once, create
// an app with an allowed origin, create a browser key (shown once, copied; after a reload only
// its prefix), regenerate and revoke keys, define a metric after an invalid submit shows field
// errors, copy the snippet, read the analytics of inserted events (tiles, timeline, breakdowns,
// funnel, metric chart, live count), sign out and sign in with the keyboard. Any console error,
// page error or unexpected failed request fails the test. A screenshot of every screen goes to
// test-results/console/. Locally a missing chromium skips this file; with CI=true it fails.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chTime,
  generateEvents,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  type TestEvent,
} from '../../query-api/testing/index.ts';
import { notFoundHandler } from '../../runtime/http/index.ts';
import { hasChromium, launchChromium } from '../../runtime/testing/chromium.ts';
import { createHarness, TEST_PASSWORD } from '../testing/harness.ts';

const SCREENSHOTS = path.resolve('test-results', 'console');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const GRAFANA_URL = 'http://grafana.invalid:3001';
// Enough visitors for every table and the funnel to have rows; small enough to insert in a blink.
const VISITORS = 80;
const DAY_MS = 86_400_000;
// Playwright's default waits are 30 s; a screen that takes this long is broken, not slow.
const STEP_TIMEOUT_MS = 10_000;

/** Requests the flow makes on purpose that fail: everything else failing is a bug. */
const EXPECTED_FAILURES = [
  '400 POST /api/metric-configs',
  '401 POST /api/auth/login',
  '404 POST /api/auth/google/session',
];

let fx: QueryApiFixture;
let server: ServerType;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!hasChromium) return;
  fx = await openFixture('console', { GRAFANA_URL });
  // The all-in-one shape: control plane (with the console) first, then the query API.
  const root = new Hono();
  root.route('/', fx.harness.app);
  root.route('/', fx.api.app);
  root.notFound(notFoundHandler);
  server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: root.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started),
    );
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await fx?.close();
});

/** A picture of the whole page (or, on a phone, of what one screen shows). */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  // Let charts and toasts settle a frame before the picture.
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** The app's analytics data: a week of generated sessions plus a few events of the last minutes. */
async function seedAnalytics(appId: string): Promise<void> {
  const now = Date.now();
  const week = generateEvents({ appId, seed: 7, from: now - 6 * DAY_MS, to: now, visitors: VISITORS }).filter(
    (event) => event.ts < now - 60_000,
  );
  const live: TestEvent[] = week.slice(0, 12).map((event, index) => ({
    ...event,
    event_id: randomUUID(),
    ts: now - (index + 1) * 45_000,
  }));
  await insertEvents(fx.ch, [...week, ...live]);
  const samples = Array.from({ length: 300 }, (_, index) => {
    const ts = now - 6 * DAY_MS + index * ((6 * DAY_MS) / 300);
    return {
      app_id: appId,
      name: 'load_seconds',
      type: 'histogram',
      labels: { route: index % 2 ? '/' : '/pricing' },
      value: 0.2 + ((index * 37) % 60) / 10,
      ts: chTime(ts),
      received_at: chTime(ts),
      bucket_bounds: [1, 5],
      retention_days: 3650,
    };
  });
  await fx.ch.insert('metric_samples', samples);
}

describe.skipIf(!hasChromium)('owner console in chromium', () => {
  it('signs up, manages an app, keys, metrics and the snippet, shows analytics, signs out and in', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'UTC' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    const errors: string[] = [];
    const failures: string[] = [];
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A failed request also logs "Failed to load resource"; those are judged by status below.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        errors.push(`console error: ${message.text()}`);
      }
    });
    page.on('response', (response) => {
      if (response.status() >= 400) {
        failures.push(
          `${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`,
        );
      }
    });
    const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
    const email = `owner-${randomUUID().slice(0, 8)}@example.com`;

    // --- Sign up (a too-short password is caught before any request) ---
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toContain('#/sign-in');
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Grafana' }).getAttribute('href')).toBe(GRAFANA_URL);
    await shot(page, '01-sign-in');
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Use at least 10 characters').waitFor();
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    await shot(page, '02-sign-up-error');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();

    // --- Both keys of the first app, shown once ---
    await page.getByRole('heading', { name: 'Welcome to clickstream' }).waitFor();
    const secrets = await page.locator('.secret-value').allTextContents();
    expect(secrets).toHaveLength(2);
    expect(secrets[0]).toMatch(/^cs_pk_[0-9A-Za-z]{36}$/);
    expect(secrets[1]).toMatch(/^cs_sk_[0-9A-Za-z]{36}$/);
    await page.getByRole('button', { name: 'Copy' }).nth(1).click();
    await page.getByText('Key copied to the clipboard').waitFor();
    expect(await clipboard()).toBe(secrets[1]);
    await shot(page, '03-welcome-keys');
    await page.getByRole('link', { name: 'Go to your apps' }).click();
    await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
    expect(await page.content()).not.toContain(secrets[1]);

    // --- Create an app with an allowed origin ---
    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await page.getByLabel('Allowed origins').fill('https://Shop.example.com/');
    await page.getByLabel('Time zone').fill('UTC');
    await shot(page, '04-apps');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor();
    const appId = /#\/apps\/([0-9a-f-]{36})\/keys/.exec(page.url())?.[1] ?? '';
    expect(appId).not.toBe('');
    const { rows } = await fx.harness.deps.postgres.query<{ allowed_origins: string[] }>(
      'SELECT allowed_origins FROM apps WHERE id = $1',
      [appId],
    );
    // The origin as browsers send it: lower case, no trailing slash.
    expect(rows[0]?.allowed_origins).toEqual(['https://shop.example.com']);

    // --- A browser key: the full key once, with a copy button; after a reload only its prefix ---
    await page.getByLabel('Name (optional)').fill('Website');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secretBox = page.getByTestId('secret');
    await secretBox.waitFor();
    const browserKey = (await secretBox.locator('.secret-value').textContent()) ?? '';
    expect(browserKey).toMatch(/^cs_pk_[0-9A-Za-z]{36}$/);
    await secretBox.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(clipboard).toBe(browserKey);
    const row = page.locator('tr', { hasText: 'Website' });
    await row.waitFor();
    await shot(page, '05-keys-new-secret');
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(browserKey);
    expect(await row.locator('.key-display').textContent()).toBe(
      `${browserKey.slice(0, 10)}…${browserKey.slice(-4)}`,
    );
    expect(await row.textContent()).toContain('active');
    await shot(page, '06-keys');

    // --- Regenerate with a grace period; revoke after confirming ---
    await row.getByRole('button', { name: 'Regenerate Website' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('The old key keeps working for').selectOption({ label: '7 days' });
    await shot(page, '07-keys-regenerate-dialog');
    await dialog.getByRole('button', { name: 'Regenerate' }).click();
    await page.getByText('The old key keeps working until').first().waitFor();
    const regenerated = (await page.getByTestId('secret').locator('.secret-value').textContent()) ?? '';
    expect(regenerated).not.toBe(browserKey);
    const rotating = page.locator('tr', { hasText: browserKey.slice(-4) });
    await rotating.locator('.badge', { hasText: 'rotating' }).waitFor();
    // Escape cancels the confirmation and gives focus back to the page; nothing is revoked.
    await rotating.getByRole('button', { name: 'Revoke Website' }).click();
    await page.getByRole('dialog').getByText('This cannot be undone').waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await rotating.locator('.badge', { hasText: 'rotating' }).waitFor();
    await rotating.getByRole('button', { name: 'Revoke Website' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await rotating.locator('.badge', { hasText: 'revoked' }).waitFor();

    // --- A metric config: invalid submits show field errors, then it saves ---
    await page.getByRole('link', { name: 'Metrics', exact: true }).click();
    await page.getByRole('heading', { name: 'Metrics', exact: true }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('load time');
    await page.getByLabel('Type', { exact: true }).selectOption('histogram');
    await page.getByLabel('Buckets').fill('5, 1');
    await page.getByRole('button', { name: 'Create metric' }).click();
    const nameError = page.locator('[data-field="name"] .field-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toContain('Use letters, digits, _ and : only');
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('name');
    await shot(page, '08-metrics-field-errors');
    await page.getByLabel('Name', { exact: true }).fill('load_seconds');
    await page.getByRole('button', { name: 'Create metric' }).click();
    const bucketError = page.locator('[data-field="buckets"] .field-error');
    await bucketError.getByText('Item 2: must be greater than the previous value (5)').waitFor();
    expect(await nameError.isHidden()).toBe(true);
    await page.getByLabel('Buckets').fill('1, 5');
    await page.getByLabel('Label names (optional)').fill('route');
    await page.getByLabel('Page views (including single-page navigation)').check();
    await page.getByRole('button', { name: 'Create metric' }).click();
    await page.locator('tr', { hasText: 'load_seconds' }).waitFor();
    await shot(page, '09-metrics');

    // --- The snippet: copy it ---
    await page.getByRole('link', { name: 'Snippet', exact: true }).click();
    await page.getByRole('heading', { name: '1. Copy the snippet' }).waitFor();
    await page.getByRole('button', { name: 'Copy snippet' }).click();
    await expect.poll(clipboard).toContain('clickstream-config');
    const snippet = await clipboard();
    expect(snippet).toContain(regenerated);
    expect(snippet).toContain('"load_seconds"');
    await shot(page, '10-snippet');

    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('button', { name: 'Save changes' }).waitFor();
    expect(await page.getByLabel('Allowed origins').inputValue()).toBe('https://shop.example.com');
    await page.getByLabel('Keep events for (days)').fill('90');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Settings saved').waitFor();
    expect(await page.getByLabel('Keep events for (days)').inputValue()).toBe('90');
    await shot(page, '11-settings');

    // --- Analytics of inserted events ---
    await seedAnalytics(appId);
    await page.getByRole('link', { name: 'Analytics', exact: true }).click();
    await page.locator('.kpi').first().waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await page.locator('.breakdown table').first().waitFor();
    await page.locator('.metric-result canvas').waitFor();
    await expect
      .poll(async () => Number((await page.locator('.live-total').textContent())?.replace(/,/g, '')))
      .toBeGreaterThan(0);
    expect(await page.locator('.kpi').count()).toBe(6);
    const events = await page.locator('.kpi', { hasText: 'Events' }).locator('.kpi-value').textContent();
    expect(Number(events?.replace(/,/g, ''))).toBeGreaterThan(VISITORS);
    await shot(page, '12-analytics');

    // Funnel builder: three named steps.
    const funnel = page.locator('.funnel');
    const steps = ['view_product', 'add_to_cart', 'checkout'];
    await funnel.getByRole('button', { name: 'Add step' }).click();
    for (const [index, step] of steps.entries()) {
      await funnel.getByLabel(`Step ${index + 1}: match on`).selectOption('name');
      await funnel.getByLabel(`Step ${index + 1}: value`).fill(step);
    }
    await funnel.getByRole('button', { name: 'Show funnel' }).click();
    await funnel.locator('.funnel-bars li').nth(2).waitFor();
    expect(await funnel.locator('.funnel-bars li').first().textContent()).toContain('view_product');
    await funnel.screenshot({ path: path.join(SCREENSHOTS, '13-analytics-funnel.png') });

    // Range and interval pickers reload the view with the choice in the URL.
    await page.getByLabel('Range', { exact: true }).selectOption('24h');
    await expect.poll(() => page.url()).toContain('range=24h');
    await page.getByLabel('Interval', { exact: true }).selectOption('minute');
    await expect.poll(() => page.url()).toContain('interval=minute');
    await page.locator('.chart canvas').first().waitFor();

    // --- Phone width ---
    await page.setViewportSize(PHONE);
    await page.getByLabel('Range', { exact: true }).selectOption('7d');
    await page.locator('.kpi').first().waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await shot(page, '14-analytics-phone', false);
    await page
      .locator('.breakdown')
      .first()
      .screenshot({ path: path.join(SCREENSHOTS, '14b-analytics-phone-pages.png') });
    await page
      .locator('.funnel')
      .screenshot({ path: path.join(SCREENSHOTS, '14c-analytics-phone-funnel.png') });
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    await page.locator('tr', { hasText: 'Website' }).first().waitFor();
    await shot(page, '15-keys-phone');
    await page.setViewportSize(DESKTOP);

    // --- Sign out and back in, with the keyboard ---
    await page.getByRole('button', { name: 'Sign out' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await page.getByText('Signed out').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.keyboard.press('Enter');
    await page.getByText('Email or password is incorrect').waitFor();
    await shot(page, '16-sign-in-error');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
    await page.locator('.app-card').nth(1).waitFor();
    expect(await page.locator('.app-card').count()).toBe(2);

    // The first app has no events: its analytics say so instead of drawing empty charts.
    await page.locator('.app-card').first().getByRole('link', { name: 'Analytics' }).click();
    await page.getByText('No events in this range yet').waitFor();
    await page.locator('.kpi').first().waitFor();
    await page.getByText('No metrics defined').waitFor();
    await shot(page, '17-analytics-empty');

    // --- A Google callback this server cannot complete reads as a message, not a crash ---
    await page.goto(`${base}/#/auth/callback?handoff=not-a-real-code`);
    await page.getByText('Sign-in with Google is not configured on this server').waitFor();
    expect(page.url()).not.toContain('not-a-real-code');
    await shot(page, '18-auth-callback-error');

    expect(errors).toEqual([]);
    expect([...new Set(failures)].sort()).toEqual([...EXPECTED_FAILURES].sort());
    await context.close();
  }, 90_000);

  it('explains that analytics are unavailable when the server runs without the query API', async () => {
    const alone = await createHarness('embedded');
    const plane = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: alone.app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
        resolve(started),
      );
    });
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      const owner = await alone.register();
      // A stored refresh token: the console resumes the session without a sign-in screen.
      await context.addInitScript((token) => {
        window.localStorage.setItem('clickstream.refreshToken', token);
      }, owner.refreshToken);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          errors.push(message.text());
        }
      });
      const url = `http://127.0.0.1:${(plane.address() as AddressInfo).port}`;
      await page.goto(`${url}/#/apps/${owner.app.id}/analytics`);
      await page
        .getByText('Analytics are not available from this server: the query API is not running here.')
        .first()
        .waitFor({ timeout: STEP_TIMEOUT_MS });
      await page.getByRole('button', { name: 'try again' }).waitFor({ timeout: STEP_TIMEOUT_MS });
      // One explanation, not an error in every card.
      expect(await page.locator('.card').count()).toBe(0);
      await shot(page, '19-analytics-without-query-api');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await new Promise<void>((resolve) => plane.close(() => resolve()));
      await alone.close();
    }
  }, 30_000);
});
