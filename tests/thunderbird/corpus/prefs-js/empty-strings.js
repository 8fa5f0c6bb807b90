user_pref("", "");
user_pref("e", "");
