// Personas: a card for each of the user's own and the system's personas.
export default function PersonasPage() {
  return (
    <div className="flex-1 overflow-y-auto p-6">
      <h1 className="text-xl font-semibold">Personas</h1>
    </div>
  )
}
