const toastEl = document.getElementById('toast')!;

export function toast(message: string): void {
  toastEl.textContent = message;
  toastEl.classList.add('shown');
  setTimeout(() => toastEl.classList.remove('shown'), 4000);
}
