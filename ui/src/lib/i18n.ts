// Translations (svelte-i18n, ICU messages) and the language choice: the
// person's setting, else the OS/browser locale, Spanish when it starts with "es".
import { addMessages, init, locale, getLocaleFromNavigator } from "svelte-i18n";
import es from "./locales/es.json";
import en from "./locales/en.json";

addMessages("es", es);
addMessages("en", en);

export type Lang = "es" | "en";

/** Text the core gives in both languages (`error`/`error_es`, `message`/`message_es`…), in `lang`; English where no Spanish was given. */
export function inLang<T>(lang: Lang, en: T, es: T | null | undefined): T {
  return lang === "es" && es != null ? es : en;
}

/** The language to use for a setting ("" = automatic). */
export function resolveLang(setting: string, systemLocale: string | null = getLocaleFromNavigator()): Lang {
  if (setting === "es" || setting === "en") return setting;
  return (systemLocale ?? "es").toLowerCase().startsWith("en") ? "en" : "es";
}

init({ fallbackLocale: "es", initialLocale: resolveLang("") });

/** The OS locale reported by the backend (the web view's own may differ). */
let systemLocale: string | null = null;

export function setSystemLocale(l: string): void {
  if (l && l !== "C" && l !== "POSIX") systemLocale = l.replace("_", "-");
}

/** Shows the UI in the language of a setting ("" = automatic); `onResolved`
 *  hears the language chosen (the backend writes its messages in it). */
export function setLanguage(setting: string, onResolved?: (lang: Lang) => void): void {
  const lang = resolveLang(setting, systemLocale ?? getLocaleFromNavigator());
  locale.set(lang);
  document.documentElement.lang = lang;
  onResolved?.(lang);
}
