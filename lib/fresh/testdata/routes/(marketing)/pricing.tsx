export default function Pricing() {
  return <p class="text-blue-700">pricing</p>;
}
