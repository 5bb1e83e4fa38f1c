export default function NewProduct() {
  return <p>static new</p>;
}
