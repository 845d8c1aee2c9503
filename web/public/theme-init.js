// Sets the theme before the first paint (a file, not an inline script: Gantry's
// Content-Security-Policy allows scripts from its own origin only).
;(function () {
  var stored = null
  try {
    stored = localStorage.getItem('gantry.theme')
  } catch (e) {}
  var dark =
    stored === 'dark' || (stored !== 'light' && window.matchMedia('(prefers-color-scheme: dark)').matches)
  document.documentElement.classList.toggle('dark', dark)
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light'
})()
