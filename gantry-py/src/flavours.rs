//! One definition, two flavours: [`flavours!`] writes each operation once, as an `async`
//! body over a cheap clone of the class's inner handle, and generates the blocking
//! method (run by [`crate::runtime::wait`], the GIL released) on the first class and the
//! asyncio method (an awaitable from [`crate::runtime::spawn`]) on the second, with the
//! same name, signature and docstring.

/// ```ignore
/// flavours! {
///     Conversations, AsyncConversations, Scoped;
///     /// Docstring of both.
///     #[pyo3(signature = (conversation))]
///     fn get(this, conversation: Id) -> Conversation {
///         Ok(this.scope.conversation(conversation.parse()?).await?.into())
///     }
///     sync { /* more #[pymethods] items of the blocking class */ }
///     async { /* ... of the asyncio class */ }
/// }
/// ```
macro_rules! flavours {
    (
        $sync:ident, $asyn:ident, $inner:ty;
        $(
            $(#[$attr:meta])*
            fn $name:ident($this:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block
        )*
        sync { $($sync_extra:tt)* }
        async { $($async_extra:tt)* }
    ) => {
        #[pymethods]
        impl $sync {
            $(
                $(#[$attr])*
                // Keyword arguments are Python's way; each is a parameter here.
                #[allow(clippy::too_many_arguments)]
                fn $name(&self, py: Python<'_> $(, $arg: $ty)*) -> PyResult<$ret> {
                    #[allow(unused_variables)]
                    async fn run(
                        $this: $inner $(, $arg: $ty)*
                    ) -> Result<$ret, $crate::errors::Fail> $body
                    $crate::runtime::wait(py, run(self.inner.clone() $(, $arg)*))
                }
            )*
            $($sync_extra)*
        }

        #[pymethods]
        impl $asyn {
            $(
                $(#[$attr])*
                #[allow(clippy::too_many_arguments)]
                fn $name<'py>(
                    &self,
                    py: Python<'py> $(, $arg: $ty)*
                ) -> PyResult<Bound<'py, PyAny>> {
                    #[allow(unused_variables)]
                    async fn run(
                        $this: $inner $(, $arg: $ty)*
                    ) -> Result<$ret, $crate::errors::Fail> $body
                    $crate::runtime::spawn(py, run(self.inner.clone() $(, $arg)*))
                }
            )*
            $($async_extra)*
        }
    };
}

pub(crate) use flavours;
