// The VS Code extension: a language client for `nasfpn lsp` (the server bundled beside this file, or the
// `nasfpn` command the settings name) and two views beside the editor, "Draw Figure 7" and "Show stats",
// filled by the server's nasfpn/draw and nasfpn/stats requests.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node.js';
import { figure7Html, statsHtml, type DetectorStats } from './views.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const settings = vscode.workspace.getConfiguration('nasfpn');
  const command = settings.get<string>('server.command', '').trim();
  const serverOptions: ServerOptions = command
    ? { command, args: ['lsp'], transport: TransportKind.stdio }
    : { module: context.asAbsolutePath('dist/server.js'), transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'fpn' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.fpn') },
    initializationOptions: { diagnosticsDelay: settings.get<number>('diagnosticsDelay', 0) },
  };
  client = new LanguageClient('nasfpn', 'nasfpn .fpn language server', serverOptions, clientOptions);
  await client.start();

  context.subscriptions.push(
    vscode.commands.registerCommand('nasfpn.drawFigure7', () => showView('figure7', async (uri) => {
      const dark = vscode.window.activeColorTheme.kind === vscode.ColorThemeKind.Dark || vscode.window.activeColorTheme.kind === vscode.ColorThemeKind.HighContrast;
      const drawn = await client!.sendRequest<{ name: string; svg: string }>('nasfpn/draw', { uri, theme: dark ? 'dark' : 'light' });
      return { title: `Figure 7: ${drawn.name}`, html: figure7Html(drawn.name, drawn.svg) };
    })),
    vscode.commands.registerCommand('nasfpn.showStats', () => showView('stats', async (uri) => {
      const { detectors } = await client!.sendRequest<{ detectors: DetectorStats[] }>('nasfpn/stats', { uri });
      const file = vscode.workspace.asRelativePath(vscode.Uri.parse(uri));
      return { title: `Stats: ${file}`, html: statsHtml(file, detectors) };
    })),
  );
}

/** Opens (or refreshes) a webview beside the editor with what `render` makes of the active .fpn document. */
async function showView(kind: string, render: (uri: string) => Promise<{ title: string; html: string }>): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'fpn') {
    void vscode.window.showWarningMessage('nasfpn: open a .fpn file first.');
    return;
  }
  try {
    const { title, html } = await render(editor.document.uri.toString());
    const panel = vscode.window.createWebviewPanel(`nasfpn.${kind}`, title, vscode.ViewColumn.Beside, { enableScripts: false, localResourceRoots: [] });
    panel.webview.html = html;
  } catch (error) {
    void vscode.window.showErrorMessage(`nasfpn: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
