// Mail Setup test hook: makes Thunderbird run mail-setup-test-hook.cfg at start. Installed into
// Thunderbird's defaults/pref/ only while a Mail Setup test runs; the script itself does nothing
// unless the test's environment variable is set (other prefs are set there, not here, so that
// another Thunderbird started meanwhile is not affected).
pref("general.config.filename", "mail-setup-test-hook.cfg");
pref("general.config.obscure_value", 0);
pref("general.config.sandbox_enabled", false);
