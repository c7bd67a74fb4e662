// A minimal Docusaurus site standing in for LiteLLM's docs site: the classic
// preset, docs only. test/docusaurus/docusaurus.smoke.test.mjs copies the
// component, the MDX page and a matrix JSON into src/ and docs/ (generated,
// gitignored), adds a home page, and builds it.
module.exports = {
  title: 'Compatibility matrix smoke site',
  url: 'http://127.0.0.1',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  markdown: { hooks: { onBrokenMarkdownLinks: 'throw' } },
  i18n: { defaultLocale: 'en', locales: ['en'] },
  presets: [
    [
      'classic',
      {
        docs: { routeBasePath: 'docs', sidebarPath: require.resolve('./sidebars.js') },
        blog: false,
        theme: {},
      },
    ],
  ],
  themeConfig: {
    navbar: { title: 'Smoke' },
    colorMode: { defaultMode: 'light', respectPrefersColorScheme: false },
  },
};
