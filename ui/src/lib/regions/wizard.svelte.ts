// The "New region" wizard's state: details → resources → game settings → where (which engine) → review plan
// → apply (live progress, cancel, rollback) → done. Each form step is checked as it is typed (validate.ts mirrors the core's
// rules) and by the backend before moving on, whose answer wins. The plan is asked for when the review step
// opens; applying creates exactly that plan (the backend keeps it).

import { toUiError, type Backend, type UiError } from "../backend";
import type { AppliedRegion, ApplyEvent, RegionPlace, RegionPlan } from "../bindings";
import { plannedRows, progress, type Progress } from "./progress";
import { byField, checkForm, defaultForm, randomUuid, toRequest, type FormField, type RegionForm } from "./validate";

export type StepId = "details" | "resources" | "game" | "where" | "review" | "apply" | "done";

export const STEPS: readonly { id: StepId; label: string; fields: readonly FormField[] }[] = [
  { id: "details", label: "Details", fields: ["name", "ownerId", "dbUser"] },
  { id: "resources", label: "Resources", fields: ["cpuCores", "memoryGb"] },
  { id: "game", label: "Game settings", fields: ["maxPlayers", "governance", "economy", "startingCredits", "startingShip"] },
  { id: "where", label: "Where", fields: [] },
  { id: "review", label: "Review plan", fields: [] },
  { id: "apply", label: "Create", fields: [] },
  { id: "done", label: "Done", fields: [] },
];

export function stepIndex(step: StepId): number {
  return STEPS.findIndex((s) => s.id === step);
}

function stepOf(field: FormField): StepId {
  return STEPS.find((s) => s.fields.includes(field))?.id ?? "details";
}

export class RegionWizard {
  #backend: Backend;
  #dir: string;
  #existing: () => readonly string[] = () => [];
  #planGeneration = 0;

  form = $state<RegionForm>(defaultForm());
  /** Where the region goes: an engine's name, or null for the project's own engine. */
  engine = $state<string | null>(null);
  /** A standalone region: on an engine without the stack's networks, it joins none of them, only its own. */
  standalone = $state(false);
  /** The engines a region could go to (the Where step), once asked. */
  places = $state.raw<RegionPlace[] | null>(null);
  placesError = $state<UiError | null>(null);
  loadingPlaces = $state(false);
  step = $state<StepId>("details");
  /** Fields whose errors show (left once, or their step was submitted). */
  touched = $state<Partial<Record<FormField, boolean>>>({});
  /** The backend's verdict per field, until that field is edited again. */
  serverErrors = $state<Partial<Record<FormField, string>>>({});
  /** The backend is checking a step. */
  checking = $state(false);
  /** The check itself failed (the project could not be read…). */
  checkError = $state<UiError | null>(null);
  /** The name could not be compared with the existing regions (the engine did not answer). */
  regionsUnchecked = $state(false);

  plan = $state.raw<RegionPlan | null>(null);
  planning = $state(false);
  planError = $state<UiError | null>(null);

  events = $state.raw<ApplyEvent[]>([]);
  applying = $state(false);
  cancelling = $state(false);
  applyError = $state<UiError | null>(null);
  applied = $state.raw<AppliedRegion | null>(null);

  /** Local rule failures of the whole form (shown per field once touched). */
  readonly local = $derived(checkForm(this.form, this.#existing()));
  readonly progress: Progress = $derived(progress(this.plan ? plannedRows(this.plan) : [], this.events));

  /** `existing`: the project's regions now (the name must differ from each). */
  constructor(backend: Backend, dir: string, existing: () => readonly string[] = () => []) {
    this.#backend = backend;
    this.#dir = dir;
    this.#existing = existing;
  }

  get dir(): string {
    return this.#dir;
  }

  /** The message to show under a field, if any. */
  errorFor(field: FormField): string | undefined {
    return this.serverErrors[field] ?? (this.touched[field] ? this.local[field] : undefined);
  }

  touch(field: FormField): void {
    if (!this.touched[field]) this.touched = { ...this.touched, [field]: true };
  }

  set(field: FormField, value: string): void {
    this.form[field] = value;
    if (this.serverErrors[field] !== undefined) {
      const { [field]: _, ...rest } = this.serverErrors;
      this.serverErrors = rest;
    }
  }

  generateOwner(): void {
    this.set("ownerId", randomUuid());
    this.touch("ownerId");
  }

  /** The form steps may be revisited until the region is being created. */
  canVisit(step: StepId): boolean {
    const i = stepIndex(step);
    return i < stepIndex(this.step) && i <= stepIndex("review") && !this.applying && this.applied === null;
  }

  visit(step: StepId): void {
    if (!this.canVisit(step)) return;
    if (this.step === "apply") {
      // Leaving a failed or cancelled apply: the next review plans afresh.
      this.events = [];
      this.applyError = null;
    }
    this.step = step;
    if (step === "review") void this.makePlan();
    if (step === "where" && this.places === null) void this.loadPlaces();
  }

  /** Checks the current step (locally, then with the backend) and moves on. Resolves to the field to focus
   * when something is wrong, else null. */
  async next(): Promise<FormField | null> {
    const current = STEPS[stepIndex(this.step)];
    if (current.id === "where") {
      this.step = "review";
      void this.makePlan();
      return null;
    }
    if (current.fields.length === 0) return null;
    for (const f of current.fields) this.touch(f);
    const invalid = current.fields.find((f) => this.errorFor(f) !== undefined);
    if (invalid) return invalid;
    // Every field of the steps so far must pass the backend too (later steps keep valid defaults).
    this.checking = true;
    this.checkError = null;
    try {
      const verdict = await this.#backend.regionValidate(this.#dir, this.engine, toRequest(this.form));
      this.regionsUnchecked = !verdict.regionsChecked;
      const errors = byField(verdict.errors);
      this.serverErrors = errors;
      const upTo = stepIndex(this.step);
      const first = (Object.keys(errors) as FormField[])
        .map((f) => ({ f, i: stepIndex(stepOf(f)) }))
        .filter(({ i }) => i <= upTo)
        .sort((a, b) => a.i - b.i)[0];
      if (first) {
        this.step = stepOf(first.f);
        return first.f;
      }
    } catch (e) {
      this.checkError = toUiError(e);
      return null;
    } finally {
      this.checking = false;
    }
    this.step = STEPS[stepIndex(this.step) + 1].id;
    if (this.step === "where" && this.places === null) void this.loadPlaces();
    return null;
  }

  /** Asks which engines a region could go to (the Where step). */
  async loadPlaces(): Promise<void> {
    this.loadingPlaces = true;
    this.placesError = null;
    try {
      this.places = await this.#backend.regionPlaces(this.#dir);
    } catch (e) {
      this.placesError = toUiError(e);
    } finally {
      this.loadingPlaces = false;
    }
  }

  /** Chooses where the region goes (null: the project's own engine); the next review plans there. */
  choose(engine: string | null): void {
    const place = this.places?.find((p) => p.engine === engine);
    this.engine = place?.current ? null : engine;
    this.standalone = false;
  }

  /** Whether the chosen engine could take a standalone region: it answers but lacks the stack's networks. */
  get standaloneOffered(): boolean {
    const place = this.chosen;
    return place !== undefined && place.reach === "live" && !place.ready;
  }

  /** Makes the region standalone (or not); only where it is offered. */
  setStandalone(on: boolean): void {
    this.standalone = on && this.standaloneOffered;
  }

  /** The place chosen now (the project's own engine when `engine` is null). */
  get chosen(): RegionPlace | undefined {
    return this.places?.find((p) => (this.engine === null ? p.current : p.engine === this.engine));
  }

  back(): void {
    const i = stepIndex(this.step);
    if (i > 0 && this.canVisit(STEPS[i - 1].id)) this.step = STEPS[i - 1].id;
  }

  /** Asks the backend for the plan of the current form (the review step). */
  async makePlan(): Promise<void> {
    const generation = ++this.#planGeneration;
    this.planning = true;
    this.planError = null;
    this.plan = null;
    try {
      const plan = await this.#backend.regionPlan(this.#dir, this.engine, toRequest(this.form), this.standalone);
      if (generation === this.#planGeneration) this.plan = plan;
    } catch (e) {
      if (generation === this.#planGeneration) this.planError = toUiError(e);
    } finally {
      if (generation === this.#planGeneration) this.planning = false;
    }
  }

  /** Creates the reviewed region; progress arrives as events, then the region (or the error, after the
   * backend rolled back what it had created). */
  async apply(): Promise<void> {
    if (this.plan === null || this.applying) return;
    this.step = "apply";
    this.events = [];
    this.applyError = null;
    this.applying = true;
    this.cancelling = false;
    try {
      this.applied = await this.#backend.regionApply(this.#dir, this.engine, toRequest(this.form), this.standalone, (e) => {
        this.events = [...this.events, e];
      });
      this.step = "done";
    } catch (e) {
      this.applyError = toUiError(e);
    } finally {
      this.applying = false;
      this.cancelling = false;
    }
  }

  /** Cancels the running apply: the backend stops at the next step and removes what it created. */
  async cancel(): Promise<void> {
    if (!this.applying || this.cancelling) return;
    this.cancelling = true;
    try {
      await this.#backend.regionCancel();
    } catch (e) {
      this.applyError = toUiError(e);
      this.cancelling = false;
    }
  }

  /** After a failed or cancelled apply: back to the review, with a fresh plan. */
  reviewAgain(): void {
    this.visit("review");
  }
}
