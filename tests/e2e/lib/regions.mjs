// The region wizard and the Regions page driven from a window test: a region's form filled up to the Where step,
// its engine (and the "Standalone" box) picked there, the plan reviewed and created, the row awaited healthy, and
// the region removed with its volumes through the confirm dialog; plus the outside look at a region's containers,
// networks and volumes on one engine (by the label the app puts on everything of a region).
import assert from 'node:assert/strict';
import { find, textIn } from './app.mjs';
import { dockerIds } from './stack.mjs';

/** The label the app puts on everything of a region (with the project's name). */
export const REGION_LABEL = 'dev.dockmaster.project';

async function setField(browser, id, value) {
  const input = await find(browser, `#region-${id}`);
  await input.clearValue();
  await input.setValue(value);
}

async function next(browser) {
  await (await find(browser, '[data-testid="wizard-next"]')).click();
}

/** Waits until the wizard shows the step `label`. */
export async function waitStep(until, browser, label) {
  await until(`wizard step ${label}`, 15_000, async () =>
    (await textIn(browser, '[aria-current="step"]'))?.endsWith(label) || (await textIn(browser, '[aria-current="step"]')));
}

/** Opens the wizard from the Regions page (shown already) and fills the region `name` (a generated owner, 1 core,
 * 2 GB) up to the Where step, its engines listed. */
export async function wizardToWhere(until, browser, name) {
  await (await find(browser, '[data-testid="new-region"]')).click();
  await find(browser, '[data-testid="region-wizard"]');
  await setField(browser, 'name', name);
  await (await find(browser, '[data-testid="generate-owner"]')).click();
  await next(browser);
  await waitStep(until, browser, 'Resources');
  await setField(browser, 'cpuCores', '1');
  await setField(browser, 'memoryGb', '2');
  await next(browser);
  await waitStep(until, browser, 'Game settings');
  await next(browser);
  await waitStep(until, browser, 'Where');
}

/** On the Where step: picks the engine `place` (its radio selected), and ticks "Standalone" when `standalone`. */
export async function chooseWhere(browser, place, { standalone = false } = {}) {
  await find(browser, `[data-testid="place-${place}"]`, 20_000);
  await (await find(browser, `[data-testid="place-${place}"]`)).click();
  assert.equal(await (await find(browser, `[data-testid="place-${place}"] input`)).isSelected(), true, `${place} is chosen`);
  if (standalone) {
    const box = await find(browser, '[data-testid="place-standalone"] input');
    await box.click();
    assert.equal(await box.isSelected(), true, 'the Standalone box is ticked');
  }
}

/** From the Where step: the plan reviewed (`joins` of the stack's networks joined; `creates` networks of its own,
 * when given),
 * `planned()` checked while only planned, then created; resolves on the wizard's "done". */
export async function reviewAndCreate(until, browser, { joins, creates, planned = () => {} }) {
  await next(browser);
  await waitStep(until, browser, 'Review plan');
  await find(browser, '[data-testid="region-plan"]', 30_000);
  assert.equal((await browser.$$('[data-testid="plan-network-join"]')).length, joins, 'the stack networks the plan joins');
  if (creates !== undefined) {
    assert.equal((await browser.$$('[data-testid="plan-network-create"]')).length, creates, 'the networks the plan creates');
  }
  await planned();
  await (await find(browser, '[data-testid="wizard-create"]')).click();
  await find(browser, '[data-testid="wizard-done"]', 150_000);
}

/** The key of a region's row on the Regions page: its name on the project's own engine, `engine/name` on another
 * (`regionKey` in ui/src/lib/regions/regionsStore.svelte.ts). */
export function rowKey(region, engine, { home }) {
  return home ? region : `${engine}/${region}`;
}

/** Leaves the finished wizard and waits for the region's row `key` on the Regions page to be healthy, listed with
 * the engine `engine`. */
export async function regionRowHealthy(until, browser, key, engine) {
  await (await find(browser, '[data-testid="wizard-finish"]')).click();
  await find(browser, `[data-testid="region-row-${key}"]`, 20_000);
  assert.equal(await textIn(browser, `[data-testid="region-engine-${key}"]`), engine);
  await until(`the region ${key} to be healthy`, 30_000, async () => {
    const state = await textIn(browser, `[data-testid="region-state-${key}"]`);
    return state === 'running · healthy' || state;
  });
}

/** Removes the region of the row `key` with its volumes (confirmed in the dialog); resolves once the Regions page
 * is empty again. */
export async function removeRegion(browser, key) {
  await (await find(browser, `[data-testid="region-remove-${key}"]`)).click();
  await find(browser, '[data-testid="remove-dialog"]');
  await (await find(browser, '[data-testid="remove-volumes"]')).click();
  await (await find(browser, '[data-testid="remove-confirm"]')).click();
  await find(browser, '[data-testid="regions-empty"]', 60_000);
}

/** The project's region containers, networks and volumes on the engine `host` (`docker -H`): `kind id` lines. */
export function regionObjects(host, project) {
  const filter = `label=${REGION_LABEL}=${project}`;
  return [
    ...dockerIds(['-H', host, 'ps', '-aq', '--filter', filter]).map((id) => `container ${id}`),
    ...dockerIds(['-H', host, 'network', 'ls', '-q', '--filter', filter]).map((id) => `network ${id}`),
    ...dockerIds(['-H', host, 'volume', 'ls', '-q', '--filter', filter]).map((id) => `volume ${id}`),
  ];
}

/** The running containers of the region `region` on the engine `host`. */
export function regionContainers(host, project, region) {
  return dockerIds(['-H', host, 'ps', '-q', '--filter', `label=${REGION_LABEL}=${project}`, '--filter', `label=dev.dockmaster.region=${region}`]);
}
