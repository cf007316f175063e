// The workstations panel: GET /api/v1/workstations (cws list), launch (POST, a job) and destroy (DELETE, a job).
// What the CLI asks on a terminal ([y/N] before a copy or a script fallback), the API answers with a 409 that names
// the consent field; this panel asks the user and sends the request again with it only when they agree.
"use strict";

/** 42s, 17m, 5h, 3d: the largest whole unit, as `cws list` shows the age. */
function formatAge(milliseconds) {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** A mutating call with the token the user typed; the answer's status and body, never an exception for a 4xx. */
async function sendWithToken(method, url, body) {
  const token = document.getElementById("token-input").value.trim();
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json().catch(() => null) };
}

function showJob(text) {
  document.getElementById("ws-job").textContent = text;
}

/** Asks in the page (not window.confirm, which a screen reader and a test both handle worse); true when agreed. */
function ask(question) {
  const box = document.getElementById("ws-question");
  document.getElementById("ws-question-text").textContent = question;
  box.hidden = false;
  document.getElementById("ws-question-no").focus();
  return new Promise((resolve) => {
    const answer = (agreed) => () => {
      box.hidden = true;
      resolve(agreed);
    };
    document.getElementById("ws-question-yes").onclick = answer(true);
    document.getElementById("ws-question-no").onclick = answer(false);
  });
}

async function loadWorkstations() {
  const table = document.getElementById("workstations-table");
  const rows = await getJson(`${API}/workstations`).catch((error) => error);
  if (rows instanceof Error) {
    table.caption.textContent = `Workstations: ${rows.message}`;
    table.tBodies[0].replaceChildren();
    return;
  }
  const now = Date.now();
  table.caption.textContent = rows.length
    ? `${rows.length} workstation${rows.length === 1 ? "" : "s"}`
    : "No workstations yet: launch one above, or run cws launch <template> <name>.";
  table.tBodies[0].replaceChildren(
    ...rows.map((row) =>
      el(
        "tr",
        { "data-name": row.name, "data-state": row.state },
        el("th", { scope: "row", text: row.name }),
        el("td", { text: row.template || "–" }),
        el("td", { text: row.region || "–" }),
        el("td", { text: row.amiId || "–", class: "mono" }),
        el("td", { text: row.method || "–" }),
        el("td", { text: row.updateInProgress ? `${row.state} (changing)` : row.state }),
        el("td", { text: row.launchTime ? formatAge(now - Date.parse(row.launchTime)) : "–" }),
        el("td", { text: row.estimatedCostPerHour === undefined ? "–" : `${formatUsd(row.estimatedCostPerHour)}/h` }),
        el(
          "td",
          {},
          el("button", {
            type: "button",
            class: "destroy",
            "data-name": row.name,
            "aria-label": `Destroy ${row.name}`,
            text: "Destroy",
          }),
        ),
      ),
    ),
  );
}

/** Polls a job until it ends, showing its latest step as it goes. */
async function followJob(job, verb) {
  for (;;) {
    const steps = job.steps || [];
    const last = steps.length ? steps[steps.length - 1].step : "starting";
    showJob(`${verb}: ${job.status} — ${last} (${Math.round(job.elapsedMs / 1000)} s)`);
    if (job.status !== "running") return job;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    job = await getJson(`${API}/jobs/${job.id}`);
  }
}

function jobOutcome(job, success) {
  if (job.status === "succeeded") return success(job.result);
  return `${job.description}: ${job.status}: ${job.error ? job.error.message : "no reason given"}`;
}

async function launchWorkstation(event) {
  event.preventDefault();
  const form = event.target;
  const body = {
    template: form.elements.template.value,
    name: form.elements.name.value.trim(),
    region: form.elements.region.value,
  };
  let reply = await sendWithToken("POST", `${API}/workstations`, body);
  if (reply.status === 409 && reply.body && reply.body.error.code === "confirmation_required") {
    const { consents, field } = reply.body.error.details;
    if (!(await ask(`${consents.join(" ")} Continue?`))) {
      showJob(`Launch of ${body.name} cancelled: nothing was created.`);
      return;
    }
    reply = await sendWithToken("POST", `${API}/workstations`, { ...body, [field]: true });
  }
  if (reply.status !== 202) {
    showJob(`Launch of ${body.name} refused: ${reply.body ? reply.body.error.message : `HTTP ${reply.status}`}`);
    return;
  }
  const job = await followJob(reply.body, `Launching ${body.name}`);
  showJob(
    jobOutcome(
      job,
      (result) =>
        `Launched ${result.name}: instance ${result.instanceId} in ${result.region}, AMI ${result.amiId} ` +
        `(${result.method}); pulumi up took ${result.measuredSeconds}s (measured). Connect: ${result.connection.sessionManager}`,
    ),
  );
  await loadWorkstations();
}

async function destroyWorkstation(name) {
  const agreed = await ask(
    `This destroys workstation ${name} and everything on its root volume (images saved from it are kept). Continue?`,
  );
  if (!agreed) {
    showJob(`Destroy of ${name} cancelled: nothing was changed.`);
    return;
  }
  const reply = await sendWithToken("DELETE", `${API}/workstations/${encodeURIComponent(name)}`);
  if (reply.status !== 202) {
    showJob(`Destroy of ${name} refused: ${reply.body ? reply.body.error.message : `HTTP ${reply.status}`}`);
    return;
  }
  const job = await followJob(reply.body, `Destroying ${name}`);
  showJob(jobOutcome(job, (result) => `Destroyed ${result.name}; its stack is removed.`));
  await loadWorkstations();
}

/** Fills the launch form from the server's templates and regions; called once by dashboard.js's main(). */
function initWorkstations(server, templates) {
  const token = document.getElementById("token-input");
  token.value = sessionStorage.getItem("cws-api-token") || "";
  token.addEventListener("change", () => sessionStorage.setItem("cws-api-token", token.value.trim()));
  document.getElementById("token-form").addEventListener("submit", (event) => event.preventDefault());
  document
    .getElementById("launch-template")
    .replaceChildren(...templates.map((t) => el("option", { value: t.name, text: t.name })));
  const regions = [...new Set([server.defaultRegion, ...server.dashboardRegions].filter(Boolean))];
  document
    .getElementById("launch-region")
    .replaceChildren(...regions.map((region) => el("option", { value: region, text: region })));
  const failed = (error) => showJob(`Could not reach the API: ${error.message}`);
  document.getElementById("launch-form").addEventListener("submit", (event) => {
    launchWorkstation(event).catch(failed);
  });
  document.getElementById("workstations-table").addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button.destroy");
    if (button) destroyWorkstation(button.dataset.name).catch(failed);
  });
}
