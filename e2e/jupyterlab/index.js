// The entry point of the JupyterLab frontend that gopar's end-to-end tests
// drive: it loads the plugin packages that package.json lists under
// "jupyterlab.extensions" and starts JupyterLab.
import { PageConfig } from '@jupyterlab/coreutils';

// jupyterlab_server serves the chunks and fonts under the page's static URL.
// eslint-disable-next-line no-undef
__webpack_public_path__ = PageConfig.getOption('fullStaticUrl') + '/';

// The style sheets of every extension (written by Build.ensureAssets).
require('./build/style.js');

// Plugins left out: the language-server integrations need the lsp
// extension, which this frontend does not load.
const withoutLSP = mod => mod.default.filter(p => !p.id.includes(':language-server'));

async function start() {
  const { JupyterLab } = await import('@jupyterlab/application');
  const plugins = await Promise.all([
    import('@jupyterlab/application-extension'),
    import('@jupyterlab/apputils-extension'),
    import('@jupyterlab/codemirror-extension'),
    import('@jupyterlab/completer-extension'),
    import('@jupyterlab/console-extension'),
    import('@jupyterlab/docmanager-extension'),
    import('@jupyterlab/documentsearch-extension'),
    import('@jupyterlab/filebrowser-extension'),
    import('@jupyterlab/fileeditor-extension').then(withoutLSP),
    import('@jupyterlab/launcher-extension'),
    import('@jupyterlab/mainmenu-extension'),
    import('@jupyterlab/markedparser-extension'),
    import('@jupyterlab/metadataform-extension'),
    import('@jupyterlab/notebook-extension').then(withoutLSP),
    import('@jupyterlab/rendermime-extension'),
    import('@jupyterlab/shortcuts-extension'),
    import('@jupyterlab/statusbar-extension'),
    import('@jupyterlab/theme-light-extension'),
    import('@jupyterlab/toc-extension'),
    import('@jupyterlab/tooltip-extension'),
    import('@jupyterlab/translation-extension'),
    import('@jupyterlab/ui-components-extension')
  ]);
  const lab = new JupyterLab();
  lab.registerPluginModules(plugins);
  await lab.start();
  await lab.restored;
  // serve_lab.py sets exposeAppInBrowser, so that the tests can read the
  // notebook's model and its kernel through window.jupyterapp.
  if (PageConfig.getOption('exposeAppInBrowser') === 'true') {
    window.jupyterapp = lab;
  }
  document.body.dataset.goparLab = 'ready';
}

window.addEventListener('load', () => {
  start().catch(err => {
    document.body.dataset.goparLab = 'failed';
    console.error('gopar e2e: JupyterLab did not start', err);
  });
});
