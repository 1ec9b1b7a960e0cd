// Builds ./build: bundle.js and its chunks, and, through @jupyterlab/builder,
// the settings schemas (build/schemas), the themes (build/themes) and
// build/style.js, which imports every extension's style sheet.
const path = require('path');
const webpack = require('webpack');
const { merge } = require('webpack-merge');
const { Build } = require('@jupyterlab/builder');
const base = require('@jupyterlab/builder/lib/webpack.config.base');
const { jupyterlab } = require('./package.json');

const out = path.resolve(__dirname, 'build');

const assets = Build.ensureAssets({
  packageNames: jupyterlab.extensions,
  output: out,
  hashFunction: 'sha256'
});

module.exports = [
  merge(base, {
    mode: 'production',
    devtool: false,
    entry: ['whatwg-fetch', './index.js'],
    output: {
      path: out,
      filename: 'bundle.js',
      chunkFilename: '[name].[contenthash].js',
      hashFunction: 'sha256'
    },
    // Minifying would double the build time of a bundle that only tests load.
    optimization: { minimize: false },
    performance: { hints: false },
    plugins: [new webpack.DefinePlugin({ 'process.env': '{}' })]
  }),
  ...assets
];
