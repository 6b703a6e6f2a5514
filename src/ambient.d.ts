/** SQL migrations are imported as text and embedded in the executable. */
declare module '*.sql' {
  const text: string;
  export default text;
}
