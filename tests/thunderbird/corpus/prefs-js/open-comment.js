user_pref("a", "\ud83d\udce7 \x41");
/* open