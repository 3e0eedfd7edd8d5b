/// <reference lib="dom" />
/**
 * The review form of an imported report's page: the verdicts chosen (accept / reject / undecided
 * per technique) go to POST /api/v1/reports/ID/review with the token in the Authorization header
 * (never in a URL, never stored); on success the page reloads to show the new state.
 */
export function setupReview(form: HTMLFormElement): void {
  const controls = document.getElementById('review-controls');
  const token = document.getElementById('review-token') as HTMLInputElement | null;
  const status = document.getElementById('review-status');
  const report = form.dataset.report ?? '';
  if (controls === null || token === null || status === null || report === '') return;
  controls.hidden = false;
  const noJs = document.getElementById('review-nojs');
  if (noJs !== null) noJs.hidden = true;
  const initial = new Map<string, string>();
  for (const input of form.querySelectorAll<HTMLInputElement>('input[type=radio]:checked')) initial.set(input.name, input.value);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const decisions: { accept: string[]; reject: string[]; reset: string[] } = { accept: [], reject: [], reset: [] };
    for (const input of form.querySelectorAll<HTMLInputElement>('input[type=radio]:checked')) {
      if (initial.get(input.name) === input.value) continue;
      const id = input.name.replace(/^v-/, '');
      if (input.value === 'accepted') decisions.accept.push(id);
      else if (input.value === 'rejected') decisions.reject.push(id);
      else decisions.reset.push(id);
    }
    if (decisions.accept.length + decisions.reject.length + decisions.reset.length === 0) {
      status.textContent = 'Nothing changed.';
      return;
    }
    status.textContent = 'Saving…';
    fetch(`/api/v1/reports/${encodeURIComponent(report)}/review`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.value}` },
      body: JSON.stringify(decisions),
      credentials: 'omit',
      cache: 'no-store',
    })
      .then(async (res) => {
        const body = (await res.json()) as { error?: { message: string } };
        if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
        location.reload();
      })
      .catch((err: unknown) => {
        status.textContent = `Not saved: ${err instanceof Error ? err.message : String(err)}`;
        status.className = 'failed';
      });
  });
}
