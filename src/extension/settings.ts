/** Reads the rnnLens.* settings and checks them with the shared config schema. */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkModelConfig, DEFAULT_CONFIG, type ConfigCheck, type ModelConfig } from '../shared/config';
import { DATASET_FORMAT_SETTING_VALUES, type ParseOptions } from '../shared/dataset';
import type { EngineLaunch } from './engineClient';

/** The config fields, each read from the setting of the same name (rnnLens.<field>). */
export const MODEL_CONFIG_FIELDS = Object.keys(DEFAULT_CONFIG) as (keyof ModelConfig)[];

/** The model config from settings (each field falls back to its default when unset), checked. */
export function readModelConfig(scope?: vscode.ConfigurationScope): ConfigCheck {
  const cfg = vscode.workspace.getConfiguration('rnnLens', scope);
  const raw = Object.fromEntries(MODEL_CONFIG_FIELDS.map((field) => [field, cfg.get(field, DEFAULT_CONFIG[field])]));
  return checkModelConfig(raw, (field) => vscode.l10n.t('Setting rnnLens.{0}', field));
}

/** Where a setting's value comes from, most specific first (the scope the Settings editor must open to mend it). */
export type SettingScope = 'workspaceFolder' | 'workspace' | 'user' | 'default';

/** The rnnLens.* model settings whose value is wrong, each with the scope its value is set in. */
export function badModelSettings(scope?: vscode.ConfigurationScope): { field: keyof ModelConfig; scope: SettingScope }[] {
  const check = readModelConfig(scope);
  if (check.ok) return [];
  // The fields the whole check names (a rule across fields names one of them too), each once.
  const fields = MODEL_CONFIG_FIELDS.filter((field) => check.fields.includes(field));
  const cfg = vscode.workspace.getConfiguration('rnnLens', scope);
  const bad: { field: keyof ModelConfig; scope: SettingScope }[] = [];
  for (const field of fields) {
    const seen = cfg.inspect(field);
    // A single-folder workspace reports its settings as both the workspace's and the folder's.
    const where: SettingScope =
      seen?.workspaceValue !== undefined || seen?.workspaceLanguageValue !== undefined
        ? 'workspace'
        : seen?.workspaceFolderValue !== undefined || seen?.workspaceFolderLanguageValue !== undefined
          ? 'workspaceFolder'
          : seen?.globalValue !== undefined || seen?.globalLanguageValue !== undefined
            ? 'user'
            : 'default';
    bad.push({ field, scope: where });
  }
  return bad;
}

/**
 * The Settings editor command (and its argument) that opens the scope holding a bad value, searched
 * for that setting: Workspace for a value set in the workspace or its folder (a single-folder
 * workspace shows the folder's settings there), User otherwise.
 */
export function settingsEditorFor(bad: readonly { field: string; scope: SettingScope }[]): { command: string; args: { query: string } } {
  const first = bad[0];
  const query = first ? `rnnLens.${first.field}` : '@ext:rnn-lens.rnn-lens';
  const inWorkspace = first && (first.scope === 'workspace' || first.scope === 'workspaceFolder');
  return { command: inWorkspace ? 'workbench.action.openWorkspaceSettings' : 'workbench.action.openGlobalSettings', args: { query } };
}

/** How to read data, from settings. */
export function readParseOptions(scope?: vscode.ConfigurationScope): ParseOptions {
  const cfg = vscode.workspace.getConfiguration('rnnLens.data', scope);
  const options: ParseOptions = {};
  const format = cfg.get<string>('format', 'auto');
  if ((DATASET_FORMAT_SETTING_VALUES as readonly string[]).includes(format)) options.format = format as ParseOptions['format'];
  const textKey = cfg.get<string>('jsonTextKey', 'text');
  const labelKey = cfg.get<string>('jsonLabelKey', 'label');
  if (typeof textKey === 'string' && textKey.trim()) options.jsonTextKey = textKey.trim();
  if (typeof labelKey === 'string' && labelKey.trim()) options.jsonLabelKey = labelKey.trim();
  return options;
}

/** How to start the engine, from settings. A custom Node.js is only used in trusted workspaces. */
export function readEngineLaunch(): EngineLaunch {
  const cfg = vscode.workspace.getConfiguration('rnnLens.engine');
  const nodePath = vscode.workspace.isTrusted ? cfg.get<string>('nodePath', '').trim() : '';
  const backend = cfg.get<string>('backend', 'auto');
  const expand = (p: string) => (p.startsWith('~') ? path.join(os.homedir(), p.slice(1)) : p);
  const modulePaths = vscode.workspace.isTrusted
    ? cfg.get<string[]>('modulePaths', []).filter((p) => typeof p === 'string' && p.trim()).map((p) => expand(p.trim()))
    : [];
  const device = cfg.get<string>('device', 'auto');
  return {
    nodePath: nodePath || undefined,
    backend: ['auto', 'cpu', 'tfjs-node', 'tfjs-node-gpu'].includes(backend) ? backend : 'auto',
    modulePaths,
    device: device === 'gpu' || device === 'cpu' ? device : 'auto',
  };
}
