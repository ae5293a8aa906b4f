// The base styles first: the pages' own sheets come after them.
import "./style.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, type Info } from "./api";
import { onConnection } from "./live";
import { RunPage } from "./run";
import { RunsPage } from "./runs";

/** Hash routes, so the page works under any mount path: `#/` and `#/runs/<id>`. */
function useRoute(): string {
  const [route, setRoute] = useState(location.hash.slice(1) || "/");
  useEffect(() => {
    const onHash = () => setRoute(location.hash.slice(1) || "/");
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  return route;
}

/** A clock for relative times: ticks once a second while the tab is shown. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === "visible" && setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function App() {
  const route = useRoute();
  const [info, setInfo] = useState<Info | undefined>();
  const [live, setLive] = useState(false);
  useEffect(() => {
    api.info().then(setInfo, () => {});
    return onConnection(setLive);
  }, []);
  const run = /^\/runs\/(.+)$/.exec(route);
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/">
          <span class="logo" aria-hidden="true" />
          wfkit
        </a>
        <nav>
          <a href="#/" class={run ? "" : "active"}>
            Runs
          </a>
        </nav>
        <span class="spacer" />
        {info && <span class="world">World: {info.world}</span>}
        <span
          class={`live ${live ? "on" : ""}`}
          title={live ? "Live: changes are pushed" : "Not connected"}
          data-testid="live"
        >
          {live ? (info?.live === false ? "read-only" : "live") : "offline"}
        </span>
      </header>
      <main>
        {run ? (
          // Keyed by run: another run's page starts afresh (its selection and tab are not this one's).
          <RunPage key={run[1]} runId={decodeURIComponent(run[1])} info={info} />
        ) : (
          <RunsPage info={info} />
        )}
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
