// The settings each kind of declaration takes, as the checker reads them (its tables, with their usage lines,
// the words their values may be and the declarations they name), for hovers and completion.
import type { Declaration } from '../parser/ast.js';
import { detectorSettings } from '../semantics/detector.js';
import { pyramidSettings } from '../semantics/pyramid.js';
import { searchSettings } from '../semantics/search.js';
import type { SettingSpec } from '../semantics/settings.js';
import { trainSettings } from '../semantics/train.js';

export const SETTINGS: Record<Declaration['kind'], Readonly<Record<string, SettingSpec<unknown>>>> = {
  pyramid: pyramidSettings,
  detector: detectorSettings,
  search: searchSettings,
  train: trainSettings,
};

/** The spec of setting `key` of a kind of declaration (own keys only: a name like `constructor` is no setting). */
export const settingSpec = (kind: Declaration['kind'], key: string): SettingSpec<unknown> | undefined =>
  Object.hasOwn(SETTINGS[kind], key) ? SETTINGS[kind][key] : undefined;
