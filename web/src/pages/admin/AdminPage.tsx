// The admin's pages: users, personas, model backends, usage, export and health.
export default function AdminPage() {
  return (
    <div className="flex-1 overflow-y-auto p-6">
      <h1 className="text-xl font-semibold">Admin</h1>
    </div>
  )
}
