/**
 * The cancel and order status pages' "Retry payment": a new payment page for the saved
 * order, at its saved prices. The form and its messages live in RetryPaymentForm, which
 * the success page's status island shows too.
 */
import { RetryPaymentForm, type RetryPaymentFormProps } from "../components/RetryPaymentForm.tsx";

export default function RetryPayment(props: RetryPaymentFormProps) {
  return <RetryPaymentForm {...props} />;
}
